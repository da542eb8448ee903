package dev.lopper.testutil;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorShapeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/**
 * The zero-channel oracle: runs models in ONNX Runtime on seeded inputs, and builds the "zeroed original"
 * in which a group's channels no longer reach anything (their producer rows and consumer columns are 0).
 */
public final class Oracle {
    private Oracle() {}

    /** An output: its shape and values. */
    public record Output(long[] shape, float[] values) { }

    /** Runs the model on seeded inputs (dynamic dims = {@code dynamicSize}); int inputs are token ids in [0, 100). */
    public static Map<String, Output> run(byte[] model, long seed, long dynamicSize) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession s = env.createSession(model, opts)) {
                ModelProto p;
                try {
                    p = ModelProto.parseFrom(model);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                Random r = new Random(seed);
                Map<String, OnnxTensor> in = new LinkedHashMap<>();
                java.util.Set<String> inits = new java.util.HashSet<>();
                for (TensorProto t : p.getGraph().getInitializerList()) inits.add(t.getName());
                try {
                    for (ValueInfoProto v : p.getGraph().getInputList()) {
                        if (inits.contains(v.getName())) continue;
                        TensorShapeProto sh = v.getType().getTensorType().getShape();
                        long[] dims = new long[sh.getDimCount()];
                        long n = 1;
                        for (int i = 0; i < dims.length; i++) {
                            dims[i] = sh.getDim(i).hasDimValue() ? sh.getDim(i).getDimValue() : (i == 0 ? 1 : dynamicSize);
                            n *= dims[i];
                        }
                        int type = v.getType().getTensorType().getElemType();
                        if (type == TensorProto.DataType.INT64_VALUE) {
                            long[] vals = new long[(int) n];
                            boolean mask = v.getName().contains("mask");
                            for (int i = 0; i < n; i++) vals[i] = mask ? 1 : (v.getName().contains("type") ? 0 : r.nextInt(100));
                            in.put(v.getName(), OnnxTensor.createTensor(env, LongBuffer.wrap(vals), dims));
                        } else {
                            float[] vals = new float[(int) n];
                            for (int i = 0; i < n; i++) vals[i] = (float) r.nextGaussian();
                            in.put(v.getName(), OnnxTensor.createTensor(env, FloatBuffer.wrap(vals), dims));
                        }
                    }
                    Map<String, Output> out = new LinkedHashMap<>();
                    try (OrtSession.Result res = s.run(in)) {
                        for (Map.Entry<String, OnnxValue> e : res) {
                            OnnxTensor t = (OnnxTensor) e.getValue();
                            long[] shape = t.getInfo().getShape();
                            FloatBuffer fb = t.getFloatBuffer();
                            float[] vals = new float[fb.remaining()];
                            fb.get(vals);
                            out.put(e.getKey(), new Output(shape, vals));
                        }
                    }
                    return out;
                } finally {
                    for (OnnxTensor t : in.values()) t.close();
                }
            }
        }
    }

    /** The model with every producer row and consumer column of the given channels set to zero. */
    public static ModelProto zeroChannels(OnnxModel model, CoupledGroup g, int... channels) throws Exception {
        return zeroChannels(model, null, g, channels);
    }

    /**
     * Same, for an analysis with shared constants: the readers of a zeroed copy of a shared constant get a zeroed
     * clone of their own (exactly as the plan applier gives them their own sliced one), the others keep the original.
     */
    public static ModelProto zeroChannels(OnnxModel model, dev.lopper.analysis.GroupAnalysis an, CoupledGroup g, int... channels)
            throws Exception {
        Map<String, Map<Integer, BitSet>> zero = new HashMap<>();
        for (ParamSlice s : g.slices()) {
            if (s.role() != ParamSlice.Role.CONSUMER_WEIGHT && s.role() != ParamSlice.Role.PRODUCER_WEIGHT
                    && s.role() != ParamSlice.Role.PRODUCER_BIAS) continue;
            BitSet b = zero.computeIfAbsent(s.storageKey(), k -> new HashMap<>()).computeIfAbsent(s.axis(), k -> new BitSet());
            for (int c : channels) for (int p : s.map().indicesOf(c)) b.set(p);
        }
        GraphProto.Builder gb = model.proto().getGraph().toBuilder();
        if (an != null) {
            for (var e : an.sharedCopies().entrySet()) {
                TensorProto src = null;
                for (TensorProto t : gb.getInitializerList()) if (t.getName().equals(e.getKey())) src = t;
                for (var c : e.getValue()) {
                    Map<Integer, BitSet> z = zero.remove(e.getKey() + "\u0000copy" + c.copy());
                    if (z == null) continue;
                    if (src == null) throw new IllegalArgumentException("shared constant " + e.getKey() + " is no initializer");
                    String name = e.getKey() + "/oracle_copy" + c.copy();
                    gb.addInitializer(zeroed(model, src, z).toBuilder().setName(name));
                    for (String node : c.nodes()) {
                        for (int idx : an.graph().node(node).protoIndices()) {
                            NodeProto.Builder nb = gb.getNode(idx).toBuilder();
                            for (int k = 0; k < nb.getInputCount(); k++) {
                                if (an.graph().resolve(nb.getInput(k)).equals(e.getKey())) nb.setInput(k, name);
                            }
                            gb.setNode(idx, nb);
                        }
                    }
                }
            }
        }
        for (String k : zero.keySet()) if (k.contains("\u0000")) throw new IllegalArgumentException("copy " + k + " without an analysis");
        for (int i = 0; i < gb.getInitializerCount(); i++) {
            Map<Integer, BitSet> z = zero.get(gb.getInitializer(i).getName());
            if (z != null) gb.setInitializer(i, zeroed(model, gb.getInitializer(i), z));
        }
        for (int i = 0; i < gb.getNodeCount(); i++) {
            NodeProto n = gb.getNode(i);
            if (!n.getOpType().equals("Constant")) continue;
            Map<Integer, BitSet> z = zero.get(n.getOutput(0));
            if (z == null) continue;
            NodeProto.Builder nb = n.toBuilder();
            for (int a = 0; a < nb.getAttributeCount(); a++) {
                AttributeProto at = nb.getAttribute(a);
                if (at.getName().equals("value")) nb.setAttribute(a, at.toBuilder().setT(zeroed(model, at.getT(), z)));
            }
            gb.setNode(i, nb);
        }
        // the constants If/Loop/Scan bodies hold of their own
        for (int i = 0; i < gb.getNodeCount(); i++) gb.setNode(i, zeroBodies(model, gb.getNode(i), zero));
        return model.proto().toBuilder().setGraph(gb).build();
    }

    private static NodeProto zeroBodies(OnnxModel model, NodeProto n, Map<String, Map<Integer, BitSet>> zero) throws Exception {
        NodeProto.Builder nb = n.toBuilder();
        for (int a = 0; a < nb.getAttributeCount(); a++) {
            AttributeProto at = nb.getAttribute(a);
            if (!at.hasG()) continue;
            GraphProto.Builder b = at.getG().toBuilder();
            for (int i = 0; i < b.getInitializerCount(); i++) {
                Map<Integer, BitSet> z = zero.get(b.getInitializer(i).getName());
                if (z != null) b.setInitializer(i, zeroed(model, b.getInitializer(i), z));
            }
            for (int i = 0; i < b.getNodeCount(); i++) {
                NodeProto bn = b.getNode(i);
                if (bn.getOpType().equals("Constant") && zero.containsKey(bn.getOutput(0))) {
                    NodeProto.Builder cb = bn.toBuilder();
                    for (int k = 0; k < cb.getAttributeCount(); k++) {
                        if (cb.getAttribute(k).getName().equals("value")) {
                            cb.setAttribute(k, cb.getAttribute(k).toBuilder().setT(zeroed(model, cb.getAttribute(k).getT(), zero.get(bn.getOutput(0)))));
                        }
                    }
                    b.setNode(i, cb);
                } else {
                    b.setNode(i, zeroBodies(model, bn, zero));
                }
            }
            nb.setAttribute(a, at.toBuilder().setG(b));
        }
        return nb.build();
    }

    private static TensorProto zeroed(OnnxModel model, TensorProto t, Map<Integer, BitSet> z) throws Exception {
        int esize = dev.lopper.onnx.ElementType.bits(t.getDataType()) / 8;
        if (esize < 1) throw new IllegalArgumentException("cannot zero " + t.getName());
        byte[] bytes = dev.lopper.onnx.Tensors.denseBytes(model, t);
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long n = bytes.length / esize;
        long[] strides = new long[dims.length];
        long st = 1;
        for (int i = dims.length - 1; i >= 0; i--) { strides[i] = st; st *= dims[i]; }
        for (long e = 0; e < n; e++) {
            for (Map.Entry<Integer, BitSet> en : z.entrySet()) {
                long coord = (e / strides[en.getKey()]) % dims[en.getKey()];
                if (en.getValue().get((int) coord)) {
                    java.util.Arrays.fill(bytes, (int) (e * esize), (int) ((e + 1) * esize), (byte) 0);
                    break;
                }
            }
        }
        return t.toBuilder().clearFloatData().clearInt32Data().clearDoubleData().clearInt64Data().clearExternalData()
                .setDataLocation(TensorProto.DataLocation.DEFAULT)
                .setRawData(com.google.protobuf.ByteString.copyFrom(bytes)).build();
    }

    /** Largest absolute difference between two runs' outputs; throws if shapes differ. */
    public static double maxDiff(Map<String, Output> a, Map<String, Output> b) {
        double m = 0;
        for (String k : a.keySet()) {
            Output x = a.get(k), y = b.get(k);
            if (y == null || !java.util.Arrays.equals(x.shape(), y.shape())) {
                throw new AssertionError("output '" + k + "' shape " + java.util.Arrays.toString(x.shape()) + " vs "
                        + (y == null ? "missing" : java.util.Arrays.toString(y.shape())));
            }
            for (int i = 0; i < x.values().length; i++) m = Math.max(m, Math.abs(x.values()[i] - y.values()[i]));
        }
        return m;
    }

    public static List<String> names(Map<String, Output> m) { return new ArrayList<>(m.keySet()); }
}
