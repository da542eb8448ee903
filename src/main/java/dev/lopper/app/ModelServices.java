package dev.lopper.app;

import java.util.List;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.graph.ModelGraph;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;
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

    /** Groups found, or why none could be computed. */
    record GroupsResult(List<CoupledGroup> groups, String unavailableReason) {
        public GroupsResult {
            groups = List.copyOf(groups);
        }

        public boolean available() { return unavailableReason == null; }
    }
}
