package dev.lopper.app;

import java.nio.file.Path;

import dev.lopper.app.graph.GraphScene;
import dev.lopper.graph.ModelGraph;
import dev.lopper.onnx.OnnxModel;

/**
 * A model opened in the app: file, parsed model, graph and its laid-out drawing.
 *
 * @param note empty, or what went wrong on the way (e.g. standardization failed and the stored graph is shown)
 */
public record LoadedModel(Path path, OnnxModel model, ModelGraph graph, GraphScene scene, long loadMillis, String note) { }
