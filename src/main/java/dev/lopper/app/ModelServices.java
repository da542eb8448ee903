package dev.lopper.app;

import java.util.List;
import java.util.Map;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.eval.LatencyListener;
import dev.lopper.eval.LatencyStats;
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

    /** Times the original model in ONNX Runtime on random inputs, reporting every run as it completes. */
    LatencyStats measureLatency(LoadedModel model, int runs, LatencyListener listener, Progress progress) throws Exception;

    /** Groups found, or why none could be computed. */
    record GroupsResult(List<CoupledGroup> groups, String unavailableReason) {
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
