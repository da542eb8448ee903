package dev.lopper.app.groups;

import java.util.ArrayList;
import java.util.List;

/**
 * A readable name for a coupled group, made from its id ({@code g:<root node>/out[.part]}): the root node's
 * module path without the op type and without a Sequential's index step ({@code /block1/conv1/conv1.0/Conv}
 * → "block1 conv1"), then what the channels are ("out", "heads", "per-head dims", ...). The id stays in the
 * tooltip.
 */
public final class GroupNames {
    private GroupNames() {}

    public static String readable(String id) {
        String s = id.startsWith("g:") ? id.substring(2) : id;
        int out = s.lastIndexOf("/out");
        String node = out >= 0 ? s.substring(0, out) : s;
        String part = out >= 0 ? s.substring(out + 4) : "";
        List<String> segs = new ArrayList<>();
        for (String seg : node.split("/")) if (!seg.isEmpty()) segs.add(seg);
        // drop the op type at the end of an exporter's path (/layer/Conv) and "Conv_12"-style names' op part
        if (segs.size() > 1 && isOpType(segs.get(segs.size() - 1))) segs.remove(segs.size() - 1);
        List<String> kept = new ArrayList<>();
        for (String seg : segs) {
            String prev = kept.isEmpty() ? null : kept.get(kept.size() - 1);
            if (prev != null && seg.startsWith(prev + ".") && seg.substring(prev.length() + 1).matches("\\d+")) continue;
            kept.add(seg);
        }
        String what = switch (part) {
            case "" -> "out";
            case ".outer" -> "· heads";
            case ".inner" -> "· per-head dims";
            case ".groups" -> "· groups";
            case ".per-group" -> "· in group";
            case ".per-group-out" -> "· out in group";
            default -> "· " + part.substring(part.startsWith(".") ? 1 : 0);
        };
        String base = kept.isEmpty() ? node : String.join(" ", kept);
        return base + " " + what;
    }

    /** An ONNX op type as exporters write it in node paths: capitalized, no dots, e.g. Conv, MatMul, Gemm, Add_2. */
    static boolean isOpType(String seg) {
        return seg.matches("[A-Z][A-Za-z]*(_\\d+)?");
    }
}
