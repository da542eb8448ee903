package dev.lopper.app;

import java.util.List;

import dev.lopper.graph.ModelGraph;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.task.Progress;

/** {@link ModelServices} backed by the core packages of this build. */
public final class CoreServices implements ModelServices {
    @Override
    public ModelGraph loadGraph(OnnxModel model, Progress progress) throws ModelLoadException {
        progress.update("Building graph", 0, 1);
        return ModelGraph.raw(model);
    }

    @Override
    public GroupsResult analyze(ModelGraph graph, Progress progress) {
        return new GroupsResult(List.of(), "coupled-group analysis is not part of this build yet");
    }
}
