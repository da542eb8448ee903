package dev.lopper.prune;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shapes to feed a model's inputs when their dims are not fixed: {@code NAME=1,3,224,224} or
 * {@code 1x3x224x224} (the latter for a model with one input, or for every input of that rank).
 * Dims still unknown become {@link #DEFAULT_BATCH} on axis 0 and {@link #DEFAULT_DIM} elsewhere.
 */
public record InputShapes(Map<String, long[]> byName, List<long[]> anonymous) {
    public static final long DEFAULT_BATCH = 1;
    public static final long DEFAULT_DIM = 64;
    public static final InputShapes NONE = new InputShapes(Map.of(), List.of());

    public static InputShapes parse(List<String> specs) {
        Map<String, long[]> named = new LinkedHashMap<>();
        List<long[]> anon = new java.util.ArrayList<>();
        for (String spec : specs == null ? List.<String>of() : specs) {
            String s = spec.trim();
            int eq = s.lastIndexOf('=');
            if (eq < 0) eq = s.lastIndexOf(':');
            String dims = eq < 0 ? s : s.substring(eq + 1);
            long[] d;
            try {
                d = Arrays.stream(dims.split("[x,×]")).map(String::trim).mapToLong(Long::parseLong).toArray();
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad --input-shape '" + spec + "' (expected NAME=1,3,224,224 or 1x3x224x224)");
            }
            for (long x : d) if (x <= 0) throw new IllegalArgumentException("bad --input-shape '" + spec + "': dims must be positive");
            if (eq < 0) anon.add(d);
            else named.put(s.substring(0, eq), d);
        }
        return new InputShapes(named, anon);
    }

    /** The concrete shape to feed input {@code name} declared with {@code declared} (−1 = unknown). */
    public long[] resolve(String name, long[] declared) {
        long[] given = byName.get(name);
        if (given == null) {
            for (long[] a : anonymous) if (a.length == declared.length) { given = a; break; }
        }
        if (given != null) {
            if (given.length != declared.length) {
                throw new IllegalArgumentException("--input-shape for '" + name + "' has rank " + given.length
                        + " but the input has rank " + declared.length);
            }
            for (int i = 0; i < given.length; i++) {
                if (declared[i] > 0 && declared[i] != given[i]) {
                    throw new IllegalArgumentException("--input-shape for '" + name + "' sets dim " + i + " to " + given[i]
                            + " but the model fixes it at " + declared[i]);
                }
            }
            return given.clone();
        }
        long[] r = declared.clone();
        for (int i = 0; i < r.length; i++) if (r[i] <= 0) r[i] = i == 0 ? DEFAULT_BATCH : DEFAULT_DIM;
        return r;
    }
}
