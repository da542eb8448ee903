package dev.lopper.prune;

import java.util.Locale;

/**
 * What to prune to.
 * <ul>
 *   <li>{@link Kind#RATIO}: remove this fraction of each eligible group's channels (uniform) or of all their
 *   channels together (global); parameters fall roughly as 1 − (1 − r)², since a channel is removed from both
 *   the layer producing it and the one consuming it;</li>
 *   <li>{@link Kind#MACS} / {@link Kind#PARAMS}: keep this fraction of the model's MACs / parameters; the ratio
 *   is found by bisection with a recount of the whole model at each step.</li>
 * </ul>
 */
public record PruneTarget(Kind kind, double value) {
    public enum Kind {
        RATIO, MACS, PARAMS;

        public String id() { return name().toLowerCase(Locale.ROOT); }
    }

    public PruneTarget {
        if (kind == null) throw new IllegalArgumentException("target kind is required");
        if (!(value >= 0 && value < 1) && kind == Kind.RATIO) {
            throw new IllegalArgumentException("ratio must be in [0, 1), got " + value);
        }
        if (!(value > 0 && value <= 1) && kind != Kind.RATIO) {
            throw new IllegalArgumentException("target fraction must be in (0, 1], got " + value);
        }
    }

    public static PruneTarget ratio(double r) { return new PruneTarget(Kind.RATIO, r); }

    public static PruneTarget macs(double keep) { return new PruneTarget(Kind.MACS, keep); }

    public static PruneTarget params(double keep) { return new PruneTarget(Kind.PARAMS, keep); }
}
