package dev.lopper.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;

/** The one ONNX Runtime environment of the process (ORT allows only one). ORT's own log is silenced below FATAL: errors reach the caller as exceptions. */
public final class OrtEnv {
    private OrtEnv() {}

    private static final class Holder {
        static {
            OrtNatives.useUnpackedIfPresent();
        }

        static final OrtEnvironment ENV;
        static final String FAILURE;

        static {
            OrtEnvironment env = null;
            String failure = null;
            try {
                env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "lopper");
            } catch (LinkageError | RuntimeException e) {
                failure = why(e);
            }
            ENV = env;
            FAILURE = failure;
        }
    }

    /**
     * The environment.
     *
     * @throws EvalException (one line) when ONNX Runtime's native library cannot be loaded on this system (another
     *                       CPU or C library than its builds support, or a wrong {@code onnxruntime.native.path})
     */
    public static OrtEnvironment get() {
        if (Holder.ENV == null) throw new EvalException(Holder.FAILURE);
        return Holder.ENV;
    }

    /** The one-line reason a load failed: the deepest cause's message (ORT wraps it twice). */
    static String why(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return "ONNX Runtime's native library cannot be loaded on this system (" + OrtNatives.platform() + ": "
                + dev.lopper.onnx.Messages.oneLine(m) + "); inspect, groups and plans work without it, verifying,"
                + " eval and bench need it: give -Donnxruntime.native.path=DIR (a folder with this system's "
                + System.mapLibraryName("onnxruntime") + " and " + System.mapLibraryName("onnxruntime4j_jni") + ")";
    }
}
