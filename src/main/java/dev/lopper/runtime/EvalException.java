package dev.lopper.runtime;

/** A user-facing evaluation failure; the message is one line naming the file, row or input at fault. */
public class EvalException extends RuntimeException {
    public EvalException(String message) { super(message); }

    public EvalException(String message, Throwable cause) { super(message, cause); }

    public static String firstLine(String s) {
        if (s == null) return "unknown error";
        String t = s.strip();
        int i = t.indexOf('\n');
        String line = i < 0 ? t : t.substring(0, i).strip();
        // ONNX Runtime prefixes its messages with "Error code - ORT_XXX - message: "
        return line.replaceFirst("^Error code - \\w+ - message: ", "");
    }
}
