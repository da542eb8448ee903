package dev.lopper.analysis;

/** Read-only queries on dimensions for rules and the applier. */
public final class DimInfo {
    private DimInfo() {}

    /** True when any leaf under d is a channel dimension. */
    public static boolean hasChannel(Dim d) { return hasChannel(d, 0); }

    private static boolean hasChannel(Dim d, int depth) {
        Dim r = DimSpace.find(d);
        if (depth > 64) return false;
        if (r.layout == null) return r.channel;
        for (Dim p : r.parts) if (hasChannel(p, depth + 1)) return true;
        return false;
    }
}
