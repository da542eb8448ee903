package dev.lopper.app.sensitivity;

import java.nio.file.Path;
import java.util.Map;

import dev.lopper.app.LoadedModel;
import dev.lopper.app.RunInputs;
import dev.lopper.runtime.OutputFidelity;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.prune.PruningSettings;
import dev.lopper.prune.latency.LatencySearch;
import dev.lopper.prune.sensitivity.Sensitivity;
import dev.lopper.task.Progress;

/**
 * The core operations of the Sensitivity tab, target box and Pareto chart: the same calls `lopper sensitivity` and
 * `lopper prune --allocation sensitivity / --target-latency` make, on the session of the opened model.
 */
public interface SensitivityServices {
    /**
     * The sensitivity table of the model (from the cache when measured before with these settings).
     *
     * @param criterion scoring criterion (one that needs data measures with l1, as the CLI does)
     * @param data      samples to measure on (CSV, .npy, .npz, image folder), null for seeded random inputs
     */
    Sensitivity.Measured sensitivity(LoadedModel model, Criterion criterion, int samples, Path data, RunInputs inputs,
                                     Progress progress) throws Exception;

    /** The cached table for these settings, if measured before (nothing is measured). */
    java.util.Optional<Sensitivity.Measured> cachedSensitivity(LoadedModel model, Criterion criterion, int samples, Path data,
                                                               RunInputs inputs, Progress progress) throws Exception;

    /**
     * The plan for a target, decided as `lopper prune` decides it ({@link dev.lopper.prune.latency.TargetDecision}):
     * by the sensitivity allocator for a MACs/params target, by the latency search (over sensitivity allocations) for a
     * latency target. The plan becomes the one the next prune applies.
     */
    Decided decide(LoadedModel model, ScoringOptions scoring, PruningSettings settings, Double targetLatency, int threads,
                   int samples, Path data, RunInputs inputs, Progress progress) throws Exception;

    /**
     * The plan for an accuracy target, decided as `lopper prune --allocation sensitivity --target-accuracy A --data D`
     * decides it ({@link dev.lopper.prune.latency.AccuracySearch}): the smallest MACs fraction whose sensitivity-allocated,
     * pruned and verified plan keeps top-1 accuracy >= {@code minAccuracy} on {@code accuracyData}. The outcome is null
     * when no plan met it ({@link Decided#accuracy()} says why).
     */
    default Decided decideAccuracy(LoadedModel model, ScoringOptions scoring, PruningSettings settings, double minAccuracy,
                                   Path accuracyData, int samples, Path data, RunInputs inputs, Progress progress) throws Exception {
        throw new UnsupportedOperationException("no accuracy search in this build");
    }

    /** The labelled data found next to the model (MODEL.csv, or digits_test.csv for the sample), null when none. */
    default Path labelledData(LoadedModel model) { return null; }

    /** Output fidelity of a pruned model against the original on seeded random batches (as `lopper eval --reference`). */
    java.util.List<OutputFidelity> fidelity(LoadedModel model, byte[] pruned, RunInputs inputs, Progress progress) throws Exception;

    /**
     * A decided plan.
     *
     * @param outcome          the plan (null when no latency trial ran faster than the original)
     * @param ratios           group id → ratio allocated by sensitivity
     * @param predictedDamage  the allocator's predicted damage (NaN without sensitivity)
     * @param latency          the latency search and its trials (null without a latency target)
     * @param accuracy         the accuracy search and its trials (null without an accuracy target)
     */
    record Decided(dev.lopper.app.ModelServices.PlanOutcome outcome, Map<String, Double> ratios, double predictedDamage,
                   String metric, LatencySearch.Result latency, dev.lopper.prune.latency.AccuracySearch.Result accuracy) {
        public Decided(dev.lopper.app.ModelServices.PlanOutcome outcome, Map<String, Double> ratios, double predictedDamage,
                       String metric, LatencySearch.Result latency) {
            this(outcome, ratios, predictedDamage, metric, latency, null);
        }
    }
}
