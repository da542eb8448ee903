package dev.lopper.prune;

import java.util.Locale;

/** How a pruning ratio is spread over groups. Default: {@link #UNIFORM}. */
public enum Allocation {
    /** Every eligible group loses the same fraction of its channels. */
    UNIFORM,
    /**
     * The channels of all eligible groups are ranked together by their normalized scores and the lowest
     * fraction is removed, so groups with many unimportant channels lose more. Needs a normalization that makes
     * groups comparable (MEAN by default; NONE for LAMP, whose scores already are).
     */
    GLOBAL,
    /**
     * Per-group removal counts chosen greedily by the damage measured on calibration samples, each candidate
     * compensated as the final model will be ({@link CalibratedAllocator}); needs calibration data. Planned as
     * {@link #GLOBAL} where no session runs the search (e.g. a plain {@link Allocator} call).
     */
    CALIBRATED;

    public String id() { return name().toLowerCase(Locale.ROOT); }

    /**
     * The default for a criterion: {@link #GLOBAL} for OBSPA, whose scores are predicted relative output errors
     * comparable across groups (a narrow critical layer keeps more), else {@link #UNIFORM}.
     */
    public static Allocation defaultFor(dev.lopper.importance.Criterion criterion) {
        return criterion == dev.lopper.importance.Criterion.OBSPA ? GLOBAL : UNIFORM;
    }

    public static Allocation parse(String s) {
        for (Allocation a : values()) if (a.id().equalsIgnoreCase(s)) return a;
        throw new IllegalArgumentException("unknown allocation '" + s + "' (expected uniform, global or calibrated)");
    }
}
