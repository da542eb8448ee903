package dev.lopper.eval;

import dev.lopper.runtime.AccuracyResult;
import dev.lopper.runtime.BatchFeed;
import dev.lopper.runtime.OutputFidelity;

import java.util.List;

/**
 * Result of running a data set (or random batches) through a model.
 *
 * @param accuracy       top-1/top-5 when the data has labels, else null
 * @param accuracyOutput the output scored for accuracy, or null
 * @param fidelity       per-output fidelity against the reference, or null without a reference
 * @param samples        samples evaluated
 * @param feed           how the data was batched (fixed batch, padding), or null for random batches
 */
public record DataEvalResult(AccuracyResult accuracy, String accuracyOutput, List<OutputFidelity> fidelity, long samples,
                             BatchFeed.Summary feed) {
    public DataEvalResult(AccuracyResult accuracy, String accuracyOutput, List<OutputFidelity> fidelity, long samples) {
        this(accuracy, accuracyOutput, fidelity, samples, null);
    }
}
