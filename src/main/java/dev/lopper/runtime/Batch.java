package dev.lopper.runtime;

import java.util.List;
import java.util.Map;

/**
 * A batch of samples from a {@link Dataset}: one tensor per model input (dim 0 = samples), the labels
 * ({@code null} when the data has none), and where each sample came from (for error messages).
 */
public record Batch(Map<String, HostTensor> inputs, int[] labels, List<String> origins) {
    public int size() { return origins.size(); }

    public boolean hasLabels() { return labels != null; }
}
