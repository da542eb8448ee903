package dev.lopper.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Calibration data as the CLI and the app give it: a file or folder {@code lopper eval --data} reads (.csv, .npy, .npz
 * with one array per input, image folder), sizes for symbolic input dims, and at most how many samples to use
 * (streamed in batches, so memory does not depend on it).
 *
 * @param maxSamples at most this many samples, {@link #ALL} for every sample
 */
public record CalibrationData(Path data, Map<String, long[]> inputShapes, long maxSamples) {
    public static final long ALL = Long.MAX_VALUE;

    public CalibrationData {
        inputShapes = Map.copyOf(inputShapes);
        if (maxSamples < 1) throw new IllegalArgumentException("--calibration-samples must be >= 1, got " + maxSamples);
    }

    /** Every sample of {@code data}. */
    public static CalibrationData of(Path data, Map<String, long[]> inputShapes) {
        return new CalibrationData(data, inputShapes, ALL);
    }

    /** Opens the data for a model with these inputs ({@code batch}: the size given to symbolic batch dims). */
    public Dataset open(List<TensorSpec> inputs, int batch) {
        return Datasets.open(data, DataOptions.DEFAULT, inputs, ShapePolicy.of(inputShapes, batch));
    }
}
