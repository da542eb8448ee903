package dev.lopper.importance;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.lopper.graph.ModelGraph;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.TensorData;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * Constant tensors of a model decoded to float arrays, each at most once (cached by name).
 * float32 raw data is copied in bulk; other types go through {@link TensorData#toFloatArray()}.
 * Thread-safe. Memory: one float copy of every tensor a criterion reads; {@link #clear()} releases them.
 */
public final class Weights {
    /** A decoded tensor: row-major values and dims. */
    public record Tensor(String name, float[] values, long[] dims) {
        /** Product of dims before {@code axis}. */
        public int outer(int axis) {
            long n = 1;
            for (int i = 0; i < axis; i++) n *= dims[i];
            return Math.toIntExact(n);
        }

        /** Product of dims after {@code axis}. */
        public int inner(int axis) {
            long n = 1;
            for (int i = axis + 1; i < dims.length; i++) n *= dims[i];
            return Math.toIntExact(n);
        }

        public int dim(int axis) { return Math.toIntExact(dims[axis]); }

        public int rank() { return dims.length; }

        @Override
        public String toString() { return name + Arrays.toString(dims); }
    }

    /** Where tensors come from: a name → decoded tensor. */
    @FunctionalInterface
    public interface Source {
        Tensor load(String name) throws ModelLoadException;
    }

    private final Source source;
    private final Map<String, Tensor> cache = new ConcurrentHashMap<>();

    public Weights(Source source) { this.source = source; }

    /** Constants of a graph (initializers, Constant-node values, folds; external data resolved). */
    public static Weights of(ModelGraph graph) {
        return new Weights(name -> {
            TensorProto p = graph.constant(name);
            if (p == null) {
                // a constant an If branch holds of its own (body initializer or Constant node)
                TensorProto b = dev.lopper.graph.SubgraphCost.bodyConstant(graph, name);
                if (b == null) throw new IllegalArgumentException("'" + name + "' is not a constant of the model");
                return decode(name, graph.model().tensor(b));
            }
            return decode(name, graph.constantValue(name));
        });
    }

    /** Tensors given directly (tests, tools). */
    public static Weights of(Map<String, Tensor> tensors) {
        Map<String, Tensor> copy = Map.copyOf(tensors);
        return new Weights(name -> {
            Tensor t = copy.get(name);
            if (t == null) throw new IllegalArgumentException("'" + name + "' is not a constant of the model");
            return t;
        });
    }

    /** The tensor, decoded on first use. */
    public Tensor get(String name) {
        Tensor t = cache.get(name);
        if (t != null) return t;
        try {
            t = source.load(name);
        } catch (ModelLoadException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        Tensor prev = cache.putIfAbsent(name, t);
        return prev != null ? prev : t;
    }

    public void clear() { cache.clear(); }

    /** Decodes with a bulk copy for little-endian float32 raw data. */
    public static Tensor decode(String name, TensorData data) {
        long[] dims = data.dims();
        ByteBuffer raw = data.rawBuffer();
        float[] values;
        if (raw != null && data.elemType() == TensorProto.DataType.FLOAT_VALUE) {
            values = new float[Math.toIntExact(data.elementCount())];
            raw.asFloatBuffer().get(values);
        } else {
            values = data.toFloatArray();
        }
        return new Tensor(name, values, dims);
    }
}
