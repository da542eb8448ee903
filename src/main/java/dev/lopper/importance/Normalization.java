package dev.lopper.importance;

import java.util.Arrays;
import java.util.Locale;

/**
 * How one group's channel scores are scaled so that scores of different groups can be ranked together
 * (global allocation). Within one group the order of channels never changes.
 * Default: the criterion's {@link ImportanceCriterion#defaultNormalization()} — {@link #MEAN} for every
 * criterion except LAMP, whose scores are already comparable across groups ({@link #NONE}).
 * A group whose divisor is zero (all scores zero) is left as it is.
 */
public enum Normalization {
    /** Scores as the criterion gives them. */
    NONE,
    /** Divided by the group's mean score (Torch-Pruning's default normalizer). */
    MEAN,
    /** Divided by the group's largest score. */
    MAX,
    /** Divided by the sum of the group's scores. */
    SUM,
    /**
     * LAMP (Lee et al. 2021): a score s_c becomes s_c / Σ_{j: s_j ≥ s_c} s_j (ties counted in sorted order,
     * largest first), so the best channel of every group scores 1.
     */
    LAMP;

    /** Returns a new array; {@code scores} is not changed. */
    public double[] apply(double[] scores) {
        double[] out = scores.clone();
        int n = out.length;
        if (n == 0) return out;
        switch (this) {
            case NONE -> { }
            case MEAN -> divide(out, Arrays.stream(scores).sum() / n);
            case MAX -> divide(out, Arrays.stream(scores).max().orElse(0));
            case SUM -> divide(out, Arrays.stream(scores).sum());
            case LAMP -> {
                Integer[] order = new Integer[n];
                for (int i = 0; i < n; i++) order[i] = i;
                // largest first; ties by index so the result is deterministic
                Arrays.sort(order, (a, b) -> {
                    int cmp = Double.compare(scores[b], scores[a]);
                    return cmp != 0 ? cmp : Integer.compare(a, b);
                });
                double cum = 0;
                for (int k = 0; k < n; k++) {
                    int i = order[k];
                    cum += scores[i];
                    out[i] = cum == 0 ? 0 : scores[i] / cum;
                }
            }
        }
        return out;
    }

    private static void divide(double[] a, double d) {
        if (d == 0 || !Double.isFinite(d)) return;
        for (int i = 0; i < a.length; i++) a[i] /= d;
    }

    public String id() { return name().toLowerCase(Locale.ROOT); }

    public static Normalization parse(String s) {
        for (Normalization r : values()) if (r.id().equalsIgnoreCase(s)) return r;
        throw new IllegalArgumentException("unknown normalization '" + s + "' (expected none, mean, max, sum or lamp)");
    }
}
