package dev.lopper.app;

import java.util.List;
import java.util.Map;

import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Standardizer;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.task.Progress;

/** {@link ModelServices} backed by the core packages of this build. */
public final class CoreServices implements ModelServices {
    @Override
    public ModelGraph loadGraph(OnnxModel model, Progress progress) throws ModelLoadException {
        progress.update("Standardizing the graph", 0, 1);
        return GraphLoader.load(model, Map.of(), Standardizer.Mode.STANDARDIZED, progress);
    }

    @Override
    public GroupsResult analyze(ModelGraph graph, Progress progress) {
        return new GroupsResult(List.of(), "coupled-group analysis is not part of this build yet");
    }
}
