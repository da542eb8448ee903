package dev.lopper.importance;

/**
 * What a criterion may read: decoded weights, optional calibration statistics, how per-slice scores
 * combine, and the seed of random choices.
 */
public record ScoringContext(Weights weights, ActivationStats stats, Reduction reduction, long seed) {
    public ScoringContext {
        if (weights == null) throw new IllegalArgumentException("weights are required");
        if (stats == null) stats = ActivationStats.NONE;
        if (reduction == null) reduction = Reduction.MEAN;
    }
}
