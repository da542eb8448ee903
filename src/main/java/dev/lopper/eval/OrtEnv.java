package dev.lopper.eval;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;

/** The one ONNX Runtime environment of the process (ORT allows only one; it logs errors only). */
public final class OrtEnv {
    private OrtEnv() {}

    private static final class Holder {
        static final OrtEnvironment ENV = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "lopper");
    }

    public static OrtEnvironment get() { return Holder.ENV; }
}
