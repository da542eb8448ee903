package dev.lopper.prune;

import java.util.Map;

/**
 * The outcome of running a pruned model next to the original on the same seeded inputs.
 *
 * @param ok          loaded, ran, and every output has the original's name, type and shape
 * @param problem     what went wrong (one line), or null when ok
 * @param shapes      output name → shape of the pruned model's output
 * @param maxAbsDiff  output name → largest |pruned − original| (float outputs; 0 when identical)
 */
public record Verification(boolean ok, String problem, Map<String, long[]> shapes, Map<String, Double> maxAbsDiff) {
    public static Verification failed(String problem) { return new Verification(false, problem, Map.of(), Map.of()); }
}
