package dev.lopper.prune;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.ByteString;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.OperatorSetIdProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorShapeProto;
import dev.lopper.onnx.proto.Onnx.TypeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/** Tiny ONNX models built in Java, and a test-only slicer of float initializers (not the real PlanApplier). */
final class TinyModels {
    private TinyModels() {}

    static TensorProto floats(String name, long[] dims, float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        b.flip();
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b));
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    static ValueInfoProto value(String name, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            if (d < 0) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
            else s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }

    static float[] seq(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) Math.sin(i + 1) * scale;
        return v;
    }

    /** x[N,4] → MatMul W1[4,3] → Relu → MatMul W2[3,2] → y[N,2]. */
    static ModelProto mlp() {
        GraphProto g = GraphProto.newBuilder().setName("mlp")
                .addInput(value("x", -1, 4)).addOutput(value("y", -1, 2))
                .addInitializer(floats("W1", new long[] {4, 3}, seq(12, 1)))
                .addInitializer(floats("W2", new long[] {3, 2}, seq(6, 0.5f)))
                .addNode(NodeProto.newBuilder().setName("mm1").setOpType("MatMul").addInput("x").addInput("W1").addOutput("h"))
                .addNode(NodeProto.newBuilder().setName("relu").setOpType("Relu").addInput("h").addOutput("hr"))
                .addNode(NodeProto.newBuilder().setName("mm2").setOpType("MatMul").addInput("hr").addInput("W2").addOutput("y"))
                .build();
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("test").setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).build();
    }

    /** Test-only rewrite: keeps the planned positions of every identity/offset/block slice of float initializers. */
    static ModelProto slice(ModelProto model, List<CoupledGroup> groups, Map<String, GroupPlan> plan) {
        Map<String, Map<Integer, java.util.TreeSet<Integer>>> drop = new HashMap<>();
        for (CoupledGroup g : groups) {
            GroupPlan gp = plan.get(g.id());
            if (gp == null) continue;
            for (ParamSlice s : g.slices()) {
                for (int p : s.map().indicesOf(gp.removed())) {
                    drop.computeIfAbsent(s.tensor(), k -> new HashMap<>()).computeIfAbsent(s.axis(), k -> new java.util.TreeSet<>()).add(p);
                }
            }
        }
        GraphProto.Builder gb = model.getGraph().toBuilder();
        List<TensorProto> inits = new ArrayList<>(gb.getInitializerList());
        gb.clearInitializer();
        for (TensorProto t : inits) {
            Map<Integer, java.util.TreeSet<Integer>> d = drop.get(t.getName());
            if (d == null) {
                gb.addInitializer(t);
                continue;
            }
            long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
            FloatArray a = new FloatArray(t, dims);
            for (Map.Entry<Integer, java.util.TreeSet<Integer>> e : d.entrySet()) a = a.without(e.getKey(), e.getValue());
            gb.addInitializer(floats(t.getName(), a.dims, a.v));
        }
        return model.toBuilder().setGraph(gb).build();
    }

    record FloatArray(float[] v, long[] dims) {
        FloatArray(TensorProto t, long[] dims) {
            this(read(t), dims);
        }

        static float[] read(TensorProto t) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[b.remaining() / 4];
            b.asFloatBuffer().get(v);
            return v;
        }

        FloatArray without(int axis, java.util.Set<Integer> gone) {
            int outer = 1, inner = 1, dim = (int) dims[axis];
            for (int i = 0; i < axis; i++) outer *= dims[i];
            for (int i = axis + 1; i < dims.length; i++) inner *= dims[i];
            int keep = dim - gone.size();
            float[] out = new float[outer * keep * inner];
            int k = 0;
            for (int o = 0; o < outer; o++)
                for (int p = 0; p < dim; p++) {
                    if (gone.contains(p)) continue;
                    System.arraycopy(v, (o * dim + p) * inner, out, k, inner);
                    k += inner;
                }
            long[] nd = dims.clone();
            nd[axis] = keep;
            return new FloatArray(out, nd);
        }
    }
}
