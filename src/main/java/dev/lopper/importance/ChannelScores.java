package dev.lopper.importance;

/**
 * Scores of one group's root channels (higher = more important) and what they are based on,
 * e.g. {@code "l1 over 3 slices"} or {@code "bn-scale fell back to l1: no normalization scale"}.
 */
public record ChannelScores(double[] values, String basis) {
    public ChannelScores {
        values = values.clone();
    }

    @Override
    public double[] values() { return values.clone(); }

    public int channels() { return values.length; }

    public double value(int c) { return values[c]; }
}
