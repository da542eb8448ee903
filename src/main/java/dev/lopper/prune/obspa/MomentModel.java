package dev.lopper.prune.obspa;

/** How data-free OBSPA models the consumers' input second moments H. */
public enum MomentModel {
    /** Per-channel mean and variance, channels and kernel taps independent (H = diag + μμᵀ): compensation mostly moves biases. */
    DIAGONAL,
    /** Full channel covariance propagated through the graph, kernel taps correlated by a spatial model ({@link CovarianceMoments}). */
    FULL;

    /** The default for data-free OBSPA. */
    public static final MomentModel DEFAULT = FULL;

    /** Parses "diagonal" / "full" (case-insensitive), or null. */
    public static MomentModel parse(String s) {
        for (MomentModel m : values()) if (m.name().equalsIgnoreCase(s)) return m;
        return null;
    }
}
