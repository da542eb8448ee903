package dev.lopper.testutil;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.Member;
import dev.lopper.graph.KvCache;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorShapeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/**
 * The zero-channel oracle for a decoder with a KV cache, whose cache inputs and outputs lose channels with the
 * group: the zeroed original is fed the cache with the removed positions set to 0, the pruned model the same cache
 * with those positions cut out; every output must agree (cache outputs compared on the kept positions).
 */
public final class KvOracle {
    private KvOracle() {}

    /** A host tensor: shape and values (floats, or longs for int64 inputs). */
    public record Tensor(long[] shape, float[] floats, long[] longs) { }

    /** Seeded feed from the model's declared inputs: dynamic axis 0 = 1, other dynamic axes = {@code dynamicSize}; ids in [0, vocab). */
    public static Map<String, Tensor> feed(ModelProto p, long seed, long dynamicSize, int vocab) {
        Random r = new Random(seed);
        java.util.Set<String> inits = new java.util.HashSet<>();
        for (TensorProto t : p.getGraph().getInitializerList()) inits.add(t.getName());
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (ValueInfoProto v : p.getGraph().getInputList()) {
            if (inits.contains(v.getName())) continue;
            TensorShapeProto sh = v.getType().getTensorType().getShape();
            long[] dims = new long[sh.getDimCount()];
            int n = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = sh.getDim(i).hasDimValue() ? sh.getDim(i).getDimValue() : (i == 0 ? 1 : dynamicSize);
                n *= (int) dims[i];
            }
            if (v.getType().getTensorType().getElemType() == TensorProto.DataType.INT64_VALUE) {
                long[] vals = new long[n];
                for (int i = 0; i < n; i++) vals[i] = r.nextInt(vocab);
                in.put(v.getName(), new Tensor(dims, null, vals));
            } else {
                float[] vals = new float[n];
                for (int i = 0; i < n; i++) vals[i] = (float) r.nextGaussian();
                in.put(v.getName(), new Tensor(dims, vals, null));
            }
        }
        return in;
    }

    public static Map<String, Tensor> run(byte[] model, Map<String, Tensor> feed) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession s = env.createSession(model, opts)) {
                Map<String, OnnxTensor> in = new LinkedHashMap<>();
                try {
                    for (Map.Entry<String, Tensor> e : feed.entrySet()) {
                        Tensor t = e.getValue();
                        in.put(e.getKey(), t.floats() != null ? OnnxTensor.createTensor(env, FloatBuffer.wrap(t.floats()), t.shape())
                                : OnnxTensor.createTensor(env, LongBuffer.wrap(t.longs()), t.shape()));
                    }
                    Map<String, Tensor> out = new LinkedHashMap<>();
                    try (OrtSession.Result res = s.run(in)) {
                        for (Map.Entry<String, OnnxValue> e : res) {
                            OnnxTensor t = (OnnxTensor) e.getValue();
                            FloatBuffer fb = t.getFloatBuffer();
                            float[] vals = new float[fb.remaining()];
                            fb.get(vals);
                            out.put(e.getKey(), new Tensor(t.getInfo().getShape(), vals, null));
                        }
                    }
                    return out;
                } finally {
                    for (OnnxTensor t : in.values()) t.close();
                }
            }
        }
    }

    /** Positions (axis → sorted positions) channel {@code c} of {@code g} occupies on each cache input. */
    public static Map<String, Map<Integer, TreeSet<Integer>>> cachePositions(GroupAnalysis a, CoupledGroup g, int c) {
        Map<String, String> pairs = KvCache.pairs(a.graph());
        Map<String, Map<Integer, TreeSet<Integer>>> r = new LinkedHashMap<>();
        for (Member m : g.members()) {
            if (!pairs.containsKey(m.tensor())) continue;
            TreeSet<Integer> s = r.computeIfAbsent(m.tensor(), k -> new HashMap<>()).computeIfAbsent(m.axis(), k -> new TreeSet<>());
            for (int p : m.map().indicesOf(c)) s.add(p);
        }
        return r;
    }

    /** The values with the given positions along each axis set to 0 ({@code zero}) or cut out. */
    public static Tensor edit(Tensor t, Map<Integer, TreeSet<Integer>> positions, boolean zero) {
        long[] shape = t.shape();
        int n = t.floats().length;
        long[] strides = new long[shape.length];
        long st = 1;
        for (int i = shape.length - 1; i >= 0; i--) { strides[i] = st; st *= shape[i]; }
        long[] newShape = shape.clone();
        if (!zero) for (var e : positions.entrySet()) newShape[e.getKey()] -= e.getValue().size();
        List<Float> kept = new ArrayList<>();
        float[] z = t.floats().clone();
        for (int i = 0; i < n; i++) {
            boolean hit = false;
            for (var e : positions.entrySet()) hit |= e.getValue().contains((int) ((i / strides[e.getKey()]) % shape[e.getKey()]));
            if (zero && hit) z[i] = 0;
            if (!zero && !hit) kept.add(t.floats()[i]);
        }
        if (zero) return new Tensor(shape, z, null);
        float[] k = new float[kept.size()];
        for (int i = 0; i < k.length; i++) k[i] = kept.get(i);
        return new Tensor(newShape, k, null);
    }

    /**
     * Removing channel {@code c} of {@code g} ({@code pruned}) against the original with that channel zeroed, each fed
     * its own view of one seeded cache. Returns the largest difference over all outputs; throws when a shape differs.
     * With {@code shapesOnly} (a group that feeds a normalization over its channels) only shapes are compared.
     */
    public static double removedVsZeroed(OnnxModel model, GroupAnalysis a, CoupledGroup g, int c, ModelProto pruned,
                                         boolean shapesOnly) throws Exception {
        Map<String, Tensor> base = feed(model.proto(), 17, 4, 100);
        Map<String, Map<Integer, TreeSet<Integer>>> pos = cachePositions(a, g, c);
        Map<String, Tensor> zeroFeed = new LinkedHashMap<>(base), cutFeed = new LinkedHashMap<>(base);
        for (var e : pos.entrySet()) {
            zeroFeed.put(e.getKey(), edit(base.get(e.getKey()), e.getValue(), true));
            cutFeed.put(e.getKey(), edit(base.get(e.getKey()), e.getValue(), false));
        }
        Map<String, Tensor> expected = run(Oracle.zeroChannels(model, a, g, c).toByteArray(), zeroFeed);
        Map<String, Tensor> actual = run(pruned.toByteArray(), cutFeed);
        Map<String, String> pairs = KvCache.pairs(a.graph());
        double m = 0;
        for (String k : expected.keySet()) {
            Tensor x = expected.get(k), y = actual.get(k);
            for (var p : pairs.entrySet()) {
                if (p.getValue().equals(k) && pos.containsKey(p.getKey())) x = edit(x, pos.get(p.getKey()), false);
            }
            if (y == null || !java.util.Arrays.equals(x.shape(), y.shape())) {
                throw new AssertionError("output '" + k + "' shape " + java.util.Arrays.toString(x.shape()) + " expected, "
                        + (y == null ? "missing" : java.util.Arrays.toString(y.shape())));
            }
            if (shapesOnly) continue;
            for (int i = 0; i < x.floats().length; i++) m = Math.max(m, Math.abs(x.floats()[i] - y.floats()[i]));
        }
        return m;
    }
}
