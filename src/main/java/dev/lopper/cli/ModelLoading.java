package dev.lopper.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Standardizer;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.task.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Reading a model for a CLI command: {@code --input-shape} values, the ONNX file and its standardized graph. */
final class ModelLoading {
    private ModelLoading() {}

    /** A read model and its graph. */
    record Loaded(OnnxModel model, ModelGraph graph, List<String> warnings) {}

    /** Prints the validation warnings of a model on stderr ({@code lopper: warning: ...}), one line each. */
    static void printWarnings(CommandSpec spec, List<String> warnings) {
        java.io.PrintWriter err = spec.commandLine().getErr();
        for (String w : warnings) err.println("lopper: warning: " + dev.lopper.onnx.Messages.oneLine(w));
        err.flush();
    }

    /**
     * Parses {@code --input-shape NAME=D1,D2,...} values.
     * @throws CommandLine.ParameterException (a usage error, exit 2) on a malformed value
     */
    static Map<String, long[]> inputShapes(CommandSpec spec, List<String> specs) {
        try {
            return GraphLoader.parseInputShapes(specs);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * Reads {@code file} and builds its graph in {@code mode} with the given input sizes.
     * @param shapeErrorPrefix put before the message when the input sizes do not fit the model
     * @throws CliException when the input sizes do not fit the model
     */
    static Loaded load(Path file, Map<String, long[]> shapes, Standardizer.Mode mode, String shapeErrorPrefix)
            throws ModelLoadException {
        OnnxModel m = OnnxModel.read(file);
        try {
            List<String> warnings = dev.lopper.onnx.ModelLint.check(m.proto());
            return new Loaded(m, GraphLoader.load(m, shapes, mode, Progress.NONE), warnings);
        } catch (IllegalArgumentException e) {
            throw new CliException(shapeErrorPrefix + e.getMessage());
        }
    }
}
