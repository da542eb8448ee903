package dev.lopper.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Opens a data set by what the path is: a folder (images), {@code .csv}, {@code .npy} or {@code .npz}. */
public final class Datasets {
    private Datasets() {}

    /**
     * Opens a data set for a model with these inputs: dims the shape policy leaves symbolic (no --input-shape) are
     * taken from an .npy/.npz file's arrays where they tell them ({@link NumpyDataset#shapesFrom}), else the policy's
     * defaults.
     */
    public static Dataset open(Path path, DataOptions options, List<TensorSpec> inputs, ShapePolicy shapes) {
        return open(path, options, DataTarget.of(inputs, shapes.withFallback(NumpyDataset.shapesFrom(path, inputs, shapes))));
    }

    public static Dataset open(Path path, DataOptions options, List<DataTarget> targets) {
        String why = dev.lopper.onnx.InputFiles.fileOrFolderProblem(path);
        if (why != null) throw new EvalException(path + ": " + why);
        if (Files.isDirectory(path)) return new ImageFolderDataset(path, targets, options.image());
        String n = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".csv")) return new CsvDataset(path, targets, options.labelColumn());
        if (n.endsWith(".npy")) return NumpyDataset.npy(path, options.labels(), targets);
        if (n.endsWith(".npz")) return NumpyDataset.npz(path, targets);
        throw new EvalException(path + ": unknown data format (use .csv, .npy, .npz or a folder of class subfolders)");
    }
}
