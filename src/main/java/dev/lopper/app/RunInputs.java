package dev.lopper.app;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.lopper.runtime.IntRange;
import dev.lopper.runtime.ShapePolicy;

/**
 * The random inputs the app feeds ONNX Runtime to verify, time and profile: the range of integer inputs
 * ({@code null}: each input that indexes a table of the model, e.g. token ids into an embedding, takes that
 * table's size, the others 0..99, as the CLI does without {@code --int-range}) and the shape of inputs with
 * symbolic dims (as the CLI's {@code --input-shape}).
 */
public record RunInputs(IntRange ints, ShapePolicy shapes) {
    public static final RunInputs AUTO = new RunInputs(null, ShapePolicy.DEFAULT);

    public RunInputs {
        if (shapes == null) shapes = ShapePolicy.DEFAULT;
    }

    public RunInputs withInts(IntRange r) { return new RunInputs(r, shapes); }

    public RunInputs withShapes(ShapePolicy s) { return new RunInputs(ints, s); }

    /**
     * Parses the shape field: {@code NAME=D1,D2,...} entries separated by ';' (blank: the defaults).
     *
     * @throws dev.lopper.runtime.EvalException with one line naming the bad entry
     */
    public static ShapePolicy parseShapes(String text) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        if (text != null) {
            for (String part : text.split(";")) {
                if (part.isBlank()) continue;
                Map.Entry<String, long[]> e = ShapePolicy.parseInputShape(part.trim());
                shapes.put(e.getKey(), e.getValue());
            }
        }
        return ShapePolicy.of(shapes, 1);
    }

    /** The shape field's text for a policy (inverse of {@link #parseShapes}), inputs by name. */
    public static String formatShapes(ShapePolicy p) {
        StringBuilder b = new StringBuilder();
        new java.util.TreeMap<>(p.explicitShapes()).forEach((name, dims) -> {
            if (!b.isEmpty()) b.append("; ");
            b.append(name).append('=');
            for (int i = 0; i < dims.length; i++) b.append(i == 0 ? "" : ",").append(dims[i]);
        });
        return b.toString();
    }
}
