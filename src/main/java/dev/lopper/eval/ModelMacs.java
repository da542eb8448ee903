package dev.lopper.eval;

import dev.lopper.runtime.EvalException;

import java.nio.file.Path;
import java.util.Map;

import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.Metrics;
import dev.lopper.graph.ModelGraph;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;

/**
 * Multiply-accumulates of a model at given input shapes, by the one definition of {@link Metrics} (what
 * {@code inspect}, {@code groups} and the planner report). Used for the MACs ratio next to a measured speedup.
 */
public final class ModelMacs {
    private ModelMacs() {}

    /** MACs, or the reason they could not be counted. */
    public record Count(long macs, String error) {
        public boolean known() { return error == null; }
    }

    public static Count count(Path model, Map<String, long[]> inputShapes) {
        try {
            ModelGraph g = GraphLoader.load(OnnxModel.read(model), inputShapes);
            return new Count(Metrics.of(g).macs(), null);
        } catch (ModelLoadException e) {
            return new Count(0, e.getMessage());
        } catch (RuntimeException e) {
            return new Count(0, model + ": cannot count MACs (" + EvalException.firstLine(String.valueOf(e.getMessage())) + ")");
        }
    }
}
