package dev.lopper.runtime;

import java.util.List;
import java.util.Map;

/**
 * What one model input expects from data: its spec and the shape of one sample (the resolved shape
 * without dim 0, which is the batch).
 *
 * @param freeAxis the sample axis whose size is only the policy's default sequence length (the input's one
 *                 symbolic non-batch dim, no shape given for it), which a data file may fix by its row length;
 *                 -1 when every size is decided
 */
public record DataTarget(TensorSpec spec, long[] sampleShape, int freeAxis) {
    public DataTarget(TensorSpec spec, long[] sampleShape) { this(spec, sampleShape, -1); }

    /** The same target with sample axis {@code axis} of size {@code size} (decided: no free axis left). */
    public DataTarget withSampleAxis(int axis, long size) {
        long[] s = sampleShape.clone();
        s[axis] = size;
        return new DataTarget(spec, s, -1);
    }

    public String name() { return spec.name(); }

    public int elemType() { return spec.elemType(); }

    /** Values per sample. */
    public int sampleSize() { return (int) HostTensor.count(sampleShape); }

    public long[] batchShape(int n) {
        long[] s = new long[sampleShape.length + 1];
        s[0] = n;
        System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
        return s;
    }

    public HostTensor allocate(int n) { return HostTensor.allocate(spec.elemType(), batchShape(n)); }

    public String describe() {
        return "input '" + spec.name() + "' " + spec.describe();
    }

    /** Targets for all inputs of a session, shapes resolved by {@code policy}; every input needs rank >= 1. */
    public static List<DataTarget> of(List<TensorSpec> inputs, ShapePolicy policy) {
        Map<String, long[]> shapes = policy.resolve(inputs);
        return inputs.stream().map(s -> {
            long[] full = shapes.get(s.name());
            if (full.length == 0) {
                throw new EvalException("input '" + s.name() + "' is a scalar; data sets feed inputs whose dim 0 is the batch");
            }
            long[] sample = new long[full.length - 1];
            System.arraycopy(full, 1, sample, 0, sample.length);
            int free = -1;
            if (inputs.size() == 1 && !policy.explicitShapes().containsKey(s.name())) {
                for (int i = 1; i < s.rank(); i++) {
                    if (!s.isSymbolic(i)) continue;
                    free = free == -1 && full[i] == policy.sequenceLength() ? i - 1 : -2;
                }
            }
            return new DataTarget(s, sample, Math.max(free, -1));
        }).toList();
    }
}
