package dev.lopper.importance;

import java.util.List;
import java.util.function.Function;

/**
 * What a criterion may read: decoded weights, optional calibration statistics, how per-slice scores
 * combine, the seed of random choices, and (optionally) which tensors each node reads, so a calibration
 * criterion can find the activation a consumer weight multiplies.
 */
public record ScoringContext(Weights weights, ActivationStats stats, Reduction reduction, long seed,
                             Function<String, List<String>> nodeInputs) {
    public ScoringContext {
        if (weights == null) throw new IllegalArgumentException("weights are required");
        if (stats == null) stats = ActivationStats.NONE;
        if (reduction == null) reduction = Reduction.MEAN;
        if (nodeInputs == null) nodeInputs = n -> List.of();
    }

    public ScoringContext(Weights weights, ActivationStats stats, Reduction reduction, long seed) {
        this(weights, stats, reduction, seed, null);
    }
}
