package dev.lopper.graph;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.onnx.OnnxModel;
import dev.lopper.task.Progress;

/**
 * The entry point from a model to the graph every later stage works on: the standardized view (see
 * {@link Standardizer}) with shapes, element types and folded constants.
 */
public final class GraphLoader {
    private GraphLoader() {}

    /** Standardized graph with shapes; {@code inputShapes} gives concrete sizes to model inputs (may be empty). */
    public static ModelGraph load(OnnxModel model, Map<String, long[]> inputShapes) {
        return load(model, inputShapes, Standardizer.Mode.STANDARDIZED, Progress.NONE);
    }

    /**
     * @throws IllegalArgumentException when {@code inputShapes} names an unknown input or contradicts its rank
     *                                  or fixed sizes (message fit for the user)
     * @throws dev.lopper.task.CancelledException when {@code progress} is cancelled
     */
    public static ModelGraph load(OnnxModel model, Map<String, long[]> inputShapes, Standardizer.Mode mode,
                                  Progress progress) {
        return Standardizer.standardize(model, inputShapes == null ? Map.of() : inputShapes, mode, progress);
    }

    /**
     * Parses {@code name=1,3,224,224} specs (as given to {@code --input-shape}) into a map.
     * @throws IllegalArgumentException on a malformed spec
     */
    public static Map<String, long[]> parseInputShapes(List<String> specs) {
        Map<String, long[]> out = new LinkedHashMap<>();
        if (specs == null) return out;
        for (String spec : specs) {
            int eq = spec.lastIndexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("bad --input-shape '" + spec + "': expected NAME=D1,D2,...");
            String name = spec.substring(0, eq).trim();
            String dims = spec.substring(eq + 1).trim();
            String[] parts = dims.isEmpty() ? new String[0] : dims.split(",", -1);
            long[] d = new long[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    d[i] = Long.parseLong(parts[i].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad --input-shape '" + spec + "': '" + parts[i] + "' is not a size");
                }
                if (d[i] < 1) throw new IllegalArgumentException("bad --input-shape '" + spec + "': sizes must be >= 1");
            }
            if (elements(d) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("bad --input-shape '" + spec + "': more than 2^31 elements");
            }
            out.put(name, d);
        }
        return out;
    }

    /** Product of sizes, Long.MAX_VALUE when it overflows. */
    public static long elements(long[] dims) {
        long n = 1;
        for (long d : dims) {
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE;
            }
        }
        return n;
    }
}
