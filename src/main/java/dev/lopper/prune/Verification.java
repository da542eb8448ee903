package dev.lopper.prune;

import java.util.Map;

/**
 * The outcome of running a pruned model next to the original on the same seeded inputs.
 *
 * @param ok          loaded, ran, and every output has the original's name, type and shape
 * @param problem     what went wrong (one line), or null when ok
 * @param shapes      output name → shape of the pruned model's output
 * @param maxAbsDiff  output name → largest |pruned − original| (float outputs; 0 when identical)
 * @param relL2       output name → ‖pruned − original‖₂ / ‖original‖₂
 * @param cosine      output name → cosine similarity of pruned and original
 */
public record Verification(boolean ok, String problem, Map<String, long[]> shapes, Map<String, Double> maxAbsDiff,
                           Map<String, Double> relL2, Map<String, Double> cosine) {
    public Verification(boolean ok, String problem, Map<String, long[]> shapes, Map<String, Double> maxAbsDiff) {
        this(ok, problem, shapes, maxAbsDiff, Map.of(), Map.of());
    }

    public static Verification failed(String problem) { return new Verification(false, problem, Map.of(), Map.of()); }
}
