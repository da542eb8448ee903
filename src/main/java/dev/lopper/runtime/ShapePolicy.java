package dev.lopper.runtime;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns each input's symbolic dims into sizes. In order:
 * <ol>
 *   <li>an explicit shape for that input ({@code --input-shape name=1,3,32,32}); it must agree with the
 *       input's fixed dims, and it binds the symbols it fills (so {@code attention_mask} gets the same
 *       sequence length as {@code input_ids});</li>
 *   <li>a symbol already bound by another input;</li>
 *   <li>batch-like dims (axis 0, or a symbol containing "batch") get {@link #batchSize()};</li>
 *   <li>symbols containing "height" or "width" get {@link #spatialSize()} (default 224);</li>
 *   <li>every other symbolic dim (sequence-like: "sequence", "seq_len", unnamed) gets
 *       {@link #sequenceLength()} (default 16).</li>
 * </ol>
 */
public record ShapePolicy(Map<String, long[]> explicitShapes, int batchSize, int sequenceLength, int spatialSize) {
    public static final int DEFAULT_SEQUENCE_LENGTH = 16;
    public static final int DEFAULT_SPATIAL_SIZE = 224;

    public static final ShapePolicy DEFAULT = new ShapePolicy(Map.of(), 1, DEFAULT_SEQUENCE_LENGTH, DEFAULT_SPATIAL_SIZE);

    public ShapePolicy {
        explicitShapes = Map.copyOf(explicitShapes);
        if (batchSize < 1 || sequenceLength < 1 || spatialSize < 1) throw new IllegalArgumentException("sizes must be >= 1");
    }

    public static ShapePolicy of(Map<String, long[]> explicit, int batchSize) {
        return new ShapePolicy(explicit, batchSize, DEFAULT_SEQUENCE_LENGTH, DEFAULT_SPATIAL_SIZE);
    }

    /** This policy with {@code shapes} for the inputs it has no explicit shape for (its own explicit shapes win). */
    public ShapePolicy withFallback(Map<String, long[]> shapes) {
        if (shapes.isEmpty()) return this;
        Map<String, long[]> merged = new java.util.LinkedHashMap<>(shapes);
        merged.putAll(explicitShapes);
        return new ShapePolicy(merged, batchSize, sequenceLength, spatialSize);
    }

    public ShapePolicy withBatchSize(int b) { return new ShapePolicy(explicitShapes, b, sequenceLength, spatialSize); }

    /** Parses {@code name=1,3,32,32}. */
    public static Map.Entry<String, long[]> parseInputShape(String text) {
        int eq = text.lastIndexOf('=');
        if (eq <= 0 || eq == text.length() - 1) {
            throw new EvalException("--input-shape '" + text + "': expected NAME=D1,D2,... (e.g. input=1,3,32,32)");
        }
        String[] parts = text.substring(eq + 1).split(",");
        long[] dims = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                dims[i] = Long.parseLong(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new EvalException("--input-shape '" + text + "': '" + parts[i].trim() + "' is not a whole number");
            }
            if (dims[i] < 1) throw new EvalException("--input-shape '" + text + "': dims must be >= 1");
        }
        if (dev.lopper.graph.GraphLoader.elements(dims) > Integer.MAX_VALUE) {
            throw new EvalException("--input-shape '" + text + "': more than 2^31 elements");
        }
        return Map.entry(text.substring(0, eq).trim(), dims);
    }

    /** Concrete shapes for all inputs, keyed by input name, in input order. */
    public Map<String, long[]> resolve(List<TensorSpec> inputs) {
        for (String name : explicitShapes.keySet()) {
            if (inputs.stream().noneMatch(s -> s.name().equals(name))) {
                throw new EvalException("--input-shape names '" + name + "', but the model's inputs are "
                        + inputs.stream().map(TensorSpec::name).toList());
            }
        }
        Map<String, Long> symbols = new HashMap<>();
        Map<String, long[]> out = new LinkedHashMap<>();
        for (TensorSpec s : inputs) {
            long[] given = explicitShapes.get(s.name());
            if (given == null) continue;
            if (given.length != s.rank()) {
                throw new EvalException("input '" + s.name() + "' has rank " + s.rank() + " " + s.describe()
                        + ", --input-shape gives " + given.length + " dims");
            }
            for (int i = 0; i < given.length; i++) {
                if (!s.isSymbolic(i) && s.dims()[i] != given[i]) {
                    throw new EvalException("input '" + s.name() + "' has fixed dim " + i + " = " + s.dims()[i]
                            + " " + s.describe() + ", --input-shape gives " + given[i]);
                }
                if (s.isSymbolic(i) && !s.dimName(i).isEmpty()) symbols.putIfAbsent(s.dimName(i), given[i]);
            }
            out.put(s.name(), given.clone());
        }
        Map<String, long[]> ordered = new LinkedHashMap<>();
        for (TensorSpec s : inputs) {
            long[] shape = out.get(s.name());
            if (shape == null) {
                shape = new long[s.rank()];
                for (int i = 0; i < s.rank(); i++) {
                    if (!s.isSymbolic(i)) {
                        shape[i] = s.dims()[i];
                        continue;
                    }
                    String sym = s.dimName(i);
                    Long bound = sym.isEmpty() ? null : symbols.get(sym);
                    long v = bound != null ? bound : defaultSize(i, sym);
                    if (!sym.isEmpty()) symbols.putIfAbsent(sym, v);
                    shape[i] = v;
                }
            }
            ordered.put(s.name(), shape);
        }
        return ordered;
    }

    private long defaultSize(int axis, String symbol) {
        String s = symbol.toLowerCase(Locale.ROOT);
        if (axis == 0 || s.contains("batch")) return batchSize;
        if (s.contains("height") || s.contains("width")) return spatialSize;
        return sequenceLength;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ShapePolicy[batch=" + batchSize + ", seq=" + sequenceLength);
        explicitShapes.forEach((k, v) -> b.append(", ").append(k).append('=').append(Arrays.toString(v)));
        return b.append(']').toString();
    }
}
