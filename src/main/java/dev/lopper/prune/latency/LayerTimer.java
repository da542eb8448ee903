package dev.lopper.prune.latency;

import dev.lopper.task.Progress;

/**
 * Times one layer at several channel counts. {@link OrtLayerTimer} measures in ONNX Runtime; tests inject a
 * deterministic one.
 */
@FunctionalInterface
public interface LayerTimer {
    /** Latency in milliseconds of {@code spec} at each of {@code counts} (same order). */
    double[] time(Timed spec, int[] counts, Progress progress);
}
