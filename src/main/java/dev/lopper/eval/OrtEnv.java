package dev.lopper.eval;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;

/** The one ONNX Runtime environment of the process (ORT allows only one). ORT's own log is silenced below FATAL: errors reach the caller as exceptions. */
public final class OrtEnv {
    private OrtEnv() {}

    private static final class Holder {
        static {
            OrtNatives.useUnpackedIfPresent();
        }

        static final OrtEnvironment ENV = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "lopper");
    }

    public static OrtEnvironment get() { return Holder.ENV; }
}
