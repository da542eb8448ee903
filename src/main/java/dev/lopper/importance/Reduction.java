package dev.lopper.importance;

/**
 * How the per-slice scores of one root channel are combined into the channel's group score.
 * A group's channels usually appear in several parameter slices (the producing conv's rows, its
 * BatchNorm scale, the consuming conv's columns, ...); each slice gives one score per root channel.
 * Default: {@link #MEAN} (as Torch-Pruning's {@code group_reduction="mean"}).
 */
public enum Reduction {
    /** Arithmetic mean over the slices that scored the channel. */
    MEAN,
    /** Sum over the slices. */
    SUM,
    /** Largest per-slice score. */
    MAX;

    /** Combines {@code perSlice[s][c]} over s; an empty list gives zeros. */
    public double[] reduce(java.util.List<double[]> perSlice, int channels) {
        double[] out = new double[channels];
        if (perSlice.isEmpty()) return out;
        if (this == MAX) java.util.Arrays.fill(out, Double.NEGATIVE_INFINITY);
        for (double[] s : perSlice) {
            if (s.length != channels) throw new IllegalArgumentException("slice scores have " + s.length + " channels, group has " + channels);
            for (int c = 0; c < channels; c++) {
                if (this == MAX) out[c] = Math.max(out[c], s[c]);
                else out[c] += s[c];
            }
        }
        if (this == MEAN) for (int c = 0; c < channels; c++) out[c] /= perSlice.size();
        return out;
    }

    /** The lower-case name the CLI and plan files use. */
    public String id() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static Reduction parse(String s) {
        for (Reduction r : values()) if (r.id().equalsIgnoreCase(s)) return r;
        throw new IllegalArgumentException("unknown reduction '" + s + "' (expected mean, sum or max)");
    }
}
