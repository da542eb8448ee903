package dev.lopper.app;

import java.util.List;
import java.util.Map;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.runtime.BenchResult;
import dev.lopper.runtime.LatencyPoint;
import dev.lopper.runtime.LatencyListener;
import dev.lopper.runtime.LatencyStats;
import dev.lopper.graph.ModelGraph;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.prune.ModelCost;
import dev.lopper.prune.PruningPlan;
import dev.lopper.prune.PruningSettings;
import dev.lopper.task.Progress;

/**
 * The core operations the app drives, in one place so view-models stay testable and each feature is
 * wired to the core code that provides it.
 */
public interface ModelServices {
    /** Reads and standardizes a model's graph. */
    ModelGraph loadGraph(OnnxModel model, Progress progress) throws ModelLoadException;

    /** Finds the coupled channel groups; empty with a reason when this build has no analysis. */
    GroupsResult analyze(ModelGraph graph, Progress progress) throws Exception;

    /** Scores the groups and plans which channels to keep. */
    PlanOutcome plan(LoadedModel model, List<CoupledGroup> groups, ScoringOptions scoring, PruningSettings settings,
                     Progress progress) throws Exception;

    /**
     * Scores and plans with calibration data ({@code lopper prune --calibration}: CSV, .npy, .npz or an image folder;
     * null for none) for the data-aware criteria and compensation, and the sizes of dynamic input dims of
     * {@code inputs} (as --input-shape). {@code compensate} says whether the pruned model will be compensated: the
     * calibrated allocation measures each candidate as it will finally be.
     */
    default PlanOutcome plan(LoadedModel model, List<CoupledGroup> groups, ScoringOptions scoring, PruningSettings settings,
                             java.nio.file.Path calibration, boolean compensate, RunInputs inputs, Progress progress) throws Exception {
        if (calibration != null) throw new IllegalStateException("this build plans without calibration data");
        return plan(model, groups, scoring, settings, progress);
    }

    /**
     * Reads the first sample of a data set for this model, as planning with it as calibration data will read it, so a
     * file that cannot serve is named at once rather than after minutes of scoring; returns what was found (e.g.
     * "64 samples").
     */
    default String checkData(LoadedModel model, java.nio.file.Path data, RunInputs inputs, Progress progress) throws Exception {
        return "not checked";
    }

    // Random inputs follow {@link RunInputs}: integer ranges (by default from the model's embedding tables) and shapes.

    /** Times the original model in ONNX Runtime on random inputs, reporting every run as it completes. */
    LatencyStats measureLatency(LoadedModel model, int runs, RunInputs inputs, LatencyListener listener, Progress progress) throws Exception;

    /**
     * Rewrites the model for a plan and verifies it in ONNX Runtime; groups whose pruning breaks the model are
     * taken out of the plan (and named) until it verifies. With {@code compensate}, data-free OBSPA compensation
     * (as `lopper prune --compensate` without calibration data) moves the removed channels' contribution into the
     * surviving weights and biases before the channels are sliced away.
     */
    PruneOutcome prune(LoadedModel model, GroupsResult groups, PruningPlan plan, RunInputs inputs, boolean compensate,
                       Progress progress) throws Exception;

    /**
     * Times original and pruned alternately (A B A B, so machine noise hits both alike), reporting every run;
     * {@link LatencyPoint#model()} is "original" or "pruned".
     */
    BenchResult compareLatency(LoadedModel model, byte[] pruned, int runs, RunInputs inputs, LatencyListener listener, Progress progress)
            throws Exception;

    /** Accuracy (top-1) of original and pruned on the model's data set, when it has one; null otherwise. */
    Accuracy accuracy(LoadedModel model, byte[] pruned, RunInputs inputs, Progress progress) throws Exception;

    /** Time per node (ms per run) of the original model, by node name, from ONNX Runtime's profiler. */
    Map<String, Double> profile(LoadedModel model, RunInputs inputs, Progress progress) throws Exception;

    /**
     * Time per node (ms per run) of original and pruned (the pruned model's bytes), profiled one after the other on
     * the same random inputs: key "original" and "pruned", each node name → ms.
     */
    Map<String, Map<String, Double>> profileBoth(LoadedModel model, byte[] pruned, RunInputs inputs, Progress progress)
            throws Exception;

    /** Writes the pruned model atomically (never over the opened file). */
    void export(LoadedModel model, byte[] pruned, java.nio.file.Path target, Progress progress) throws Exception;

    /**
     * Export with the never-slower check of `lopper prune -o` (dev.lopper.prune.latency.NeverSlower, the same rule and
     * fallback roundings): writes {@code pruned}, or the first re-planned model that is not slower than the original.
     * Throws with the CLI's reason when every candidate is slower, unless {@code allowSlower}. This default (fakes without
     * a session) writes {@code pruned} as it is and says it was not timed.
     */
    default Exported exportChecked(LoadedModel model, PruneOutcome pruned, RunInputs inputs, boolean allowSlower,
                                   java.nio.file.Path target, Progress progress) throws Exception {
        export(model, pruned.model(), target, progress);
        return new Exported(pruned.applied(), false, "not timed (this service has no pruning session)");
    }

    /**
     * What an export wrote.
     *
     * @param plan       the plan of the model written (another rounding than the one shown when {@code replanned})
     * @param replanned  true when the plan shown was slower and a re-planned one was written
     * @param speed      one line: "not timed: …", "not slower: …" or "re-planned with round-to 8: …"
     */
    record Exported(PruningPlan plan, boolean replanned, String speed) { }

    /**
     * A rewritten model and how it verified.
     *
     * @param model    the pruned model's bytes, null when no version verified
     * @param failing  group id → why pruning it breaks the model (left whole)
     * @param maxAbsDiff output name → largest absolute difference from the original on random inputs
     * @param compensatedLayers layers whose weights OBS compensation adjusted, or -1 when compensation was off
     */
    record PruneOutcome(PruningPlan applied, byte[] model, boolean verified, String problem,
                        Map<String, String> failing, Map<String, Double> maxAbsDiff, int compensatedLayers) {
        /** Without compensation. */
        public PruneOutcome(PruningPlan applied, byte[] model, boolean verified, String problem,
                            Map<String, String> failing, Map<String, Double> maxAbsDiff) {
            this(applied, model, verified, problem, failing, maxAbsDiff, -1);
        }

        public boolean compensated() { return compensatedLayers >= 0; }
    }

    /** Top-1 accuracy of both models on {@code samples} samples of {@code dataset}. */
    record Accuracy(String dataset, long samples, double original, double pruned) { }

    /** Groups found, or why none could be computed. */
    record GroupsResult(List<CoupledGroup> groups, GroupAnalysis analysis, String unavailableReason) {
        public GroupsResult {
            groups = List.copyOf(groups);
        }

        public boolean available() { return unavailableReason == null; }
    }

    /**
     * A plan, the scores it was made from and the model's cost before and after.
     *
     * @param costNote how the costs were counted (shown with the bars)
     */
    record PlanOutcome(PruningPlan plan, Map<String, ChannelScores> scores, ModelCost before, ModelCost after,
                       String costNote) { }
}
