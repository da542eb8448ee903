package dev.lopper.onnx;

import java.util.regex.Pattern;

/** Keeps user-facing messages to one line: control characters escaped, ONNX Runtime's internals dropped. */
public final class Messages {
    private Messages() {}

    /** {@code s} with line breaks, tabs and other control characters escaped ({@code \n}, {@code \u0007}); at most {@code max} chars. */
    public static String printable(String s, int max) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 8);
        for (int i = 0; i < s.length(); i++) {
            if (b.length() >= max) {
                b.append("…");
                break;
            }
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\u0085') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** {@code s} on one line: every control character escaped (no length limit). */
    public static String oneLine(String s) {
        return printable(s, Integer.MAX_VALUE);
    }

    private static final String FUNCTION =
            "(?:(?:(?:virtual|static)\\s+)?(?:[\\w:<>*&,]+\\s+)?[\\w:<>~*&,]+\\([^)]*\\)(?:\\s*const)?\\s*)?";
    private static final Pattern ORT_SOURCE = Pattern.compile("(?:/[^\\s:]*)?/onnxruntime(?:_src)?/[^\\s:]+:\\d+\\s+" + FUNCTION);
    private static final Pattern ORT_SOURCE_ANY = Pattern.compile("\\S+\\.(?:h|cc|cpp|hpp):\\d+\\s+" + FUNCTION);

    /**
     * ONNX Runtime's text reduced to what a user can act on: its "Error code - ORT_X - message:" prefix, the C++
     * source locations ({@code /onnxruntime_src/...:123 func(...)}) and nested "Status Message:" wrappers dropped;
     * the first line only.
     */
    public static String ort(String s) {
        if (s == null) return "unknown problem";
        String t = s.strip();
        t = t.replaceAll("Error code - \\w+ - message: ", "");
        int i = t.lastIndexOf("Status Message:");
        if (i >= 0) t = t.substring(0, i).strip() + " " + t.substring(i + "Status Message:".length()).strip();
        t = ORT_SOURCE.matcher(t).replaceAll(" ");
        t = ORT_SOURCE_ANY.matcher(t).replaceAll(" ");
        t = t.replaceAll("\\[ONNXRuntimeError\\]\\s*:\\s*\\d+\\s*:\\s*(?:\\w+\\s*:\\s*)?", "").replaceAll("\\s{2,}", " ").strip();
        return t.isEmpty() ? "ONNX Runtime failed (run with --verbose for its full message)" : t;
    }
}
