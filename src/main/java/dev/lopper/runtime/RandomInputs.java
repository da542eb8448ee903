package dev.lopper.runtime;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import dev.lopper.onnx.ElementType;
import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Seeded random inputs that respect each input's element type and shape (symbolic dims resolved by a
 * {@link ShapePolicy}). The same seed and specs always give the same tensors, so two models are compared
 * on identical inputs. Choices, by input name (case-insensitive) and type:
 * <ul>
 *   <li>floating inputs: standard normal N(0, 1);</li>
 *   <li>names containing "mask" (attention masks): all ones (bool: all true);</li>
 *   <li>integer names containing "token_type" or "segment": all zeros;</li>
 *   <li>integer names containing "position": 0, 1, 2, ... along the last axis;</li>
 *   <li>other integers (token ids, indices): uniform in the input's own range when one is known (see
 *       {@link IndexRangeInference}: ids into an embedding table of V rows take 0..V-1), else in the given
 *       {@link IntRange} (default 0..99);</li>
 *   <li>other bools: uniform true/false.</li>
 * </ul>
 */
public final class RandomInputs {
    public static final long DEFAULT_SEED = 42;

    private RandomInputs() {}

    public static Map<String, HostTensor> create(List<TensorSpec> inputs, ShapePolicy shapes, IntRange ints, long seed) {
        return create(inputs, shapes, Map.of(), ints, seed);
    }

    /**
     * Random inputs for a session. With {@code ints} null, integer inputs that index a table of the model take
     * its valid range and the others {@link IntRange#DEFAULT}; a given {@code ints} applies to every integer input.
     */
    public static Map<String, HostTensor> forSession(EvalSession session, ShapePolicy shapes, IntRange ints, long seed) {
        if (ints != null) return create(session.inputs(), shapes, ints, seed);
        // the index ranges come from the model's tables (a parse of the whole model): only asked for integer inputs
        boolean integers = session.inputs().stream()
                .anyMatch(s -> !ElementType.isFloating(s.elemType()) && s.elemType() != DataType.BOOL_VALUE);
        return create(session.inputs(), shapes, integers ? session.indexRanges() : Map.of(), IntRange.DEFAULT, seed);
    }

    /** @param perInput ranges for particular integer inputs; {@code ints} for the others */
    public static Map<String, HostTensor> create(List<TensorSpec> inputs, ShapePolicy shapes, Map<String, IntRange> perInput,
                                                 IntRange ints, long seed) {
        Map<String, long[]> resolved = shapes.resolve(inputs);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        int index = 0;
        for (TensorSpec s : inputs) {
            long[] shape = resolved.get(s.name());
            out.put(s.name(), fill(s, shape, perInput.getOrDefault(s.name(), ints), new SplittableRandom(seed * 1_000_003L + index++)));
        }
        return out;
    }

    private static HostTensor fill(TensorSpec s, long[] shape, IntRange ints, SplittableRandom rnd) {
        if (s.elemType() == DataType.STRING_VALUE || HostTensor.bytesPerElementOrZero(s.elemType()) == 0) {
            throw new EvalException("input '" + s.name() + "' has element type " + ElementType.name(s.elemType())
                    + "; random inputs support numbers and bools only");
        }
        HostTensor t = HostTensor.allocate(s.elemType(), shape);
        int n = t.size();
        String name = s.name().toLowerCase(Locale.ROOT);
        boolean isBool = s.elemType() == DataType.BOOL_VALUE;
        if (name.contains("mask")) {
            for (int i = 0; i < n; i++) t.set(i, 1);
        } else if (ElementType.isFloating(s.elemType())) {
            for (int i = 0; i < n; i++) t.set(i, gaussian(rnd));
        } else if (isBool) {
            for (int i = 0; i < n; i++) t.set(i, rnd.nextBoolean() ? 1 : 0);
        } else if (name.contains("token_type") || name.contains("segment")) {
            // zeros already
        } else if (name.contains("position") && shape.length > 0) {
            long last = shape[shape.length - 1];
            for (int i = 0; i < n; i++) t.set(i, i % last);
        } else {
            for (int i = 0; i < n; i++) t.set(i, ints.lo() + (long) (rnd.nextDouble() * (ints.hi() - ints.lo() + 1)));
        }
        return t;
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
        double u = 1.0 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
