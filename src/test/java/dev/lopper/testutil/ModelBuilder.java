package dev.lopper.testutil;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import com.google.protobuf.ByteString;

import dev.lopper.graph.ModelGraph;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.OperatorSetIdProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorShapeProto;
import dev.lopper.onnx.proto.Onnx.TypeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/**
 * Fluent builder of small ONNX models for tests. Each node's (first) output tensor is named like the node;
 * weights are seeded random floats (BatchNorm variances positive). Example:
 * <pre>
 * ModelBuilder b = ModelBuilder.create("tiny").input("x", 1, 3, 8, 8);
 * String y = b.conv("conv1", "x", 8, 3, 1);
 * b.relu("relu1", y);
 * b.output("relu1");
 * OnnxModel model = b.model();
 * </pre>
 */
public final class ModelBuilder {
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Random random;
    private long opset = 17;
    private boolean lightWeights;

    /**
     * From now on, float weights are references to external data that is never written (for benchmarks of
     * analysis on big graphs: the values are never read there). Such models cannot be run.
     */
    public ModelBuilder lightWeights() { lightWeights = true; return this; }

    private ModelBuilder(String name, long seed) {
        graph.setName(name);
        random = new Random(seed);
    }

    public static ModelBuilder create(String name) { return new ModelBuilder(name, 42); }

    public static ModelBuilder create(String name, long seed) { return new ModelBuilder(name, seed); }

    public ModelBuilder opset(long v) { opset = v; return this; }

    /** A float input; a negative dim is dynamic (named "d0", "d1", ...). */
    public ModelBuilder input(String name, long... dims) {
        graph.addInput(valueInfo(name, TensorProto.DataType.FLOAT_VALUE, dims));
        return this;
    }

    public ModelBuilder typedInput(String name, int elemType, long... dims) {
        graph.addInput(valueInfo(name, elemType, dims));
        return this;
    }

    /** A float output without a declared shape. */
    public ModelBuilder output(String name) {
        graph.addOutput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        return this;
    }

    public ModelBuilder output(String name, long... dims) {
        graph.addOutput(valueInfo(name, TensorProto.DataType.FLOAT_VALUE, dims));
        return this;
    }

    private static ValueInfoProto valueInfo(String name, int type, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] >= 0) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(dims[i]));
            else s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("d" + i));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type).setShape(s))).build();
    }

    /** A float initializer with seeded values in [lo, hi). */
    public String weightIn(String name, double lo, double hi, long... dims) {
        if (lightWeights) {
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                    .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(dev.lopper.onnx.proto.Onnx.StringStringEntryProto.newBuilder().setKey("location").setValue("never-written.bin"));
            for (long d : dims) t.addDims(d);
            graph.addInitializer(t);
            return name;
        }
        int n = 1;
        for (long d : dims) n *= (int) d;
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) b.putFloat((float) (lo + (hi - lo) * random.nextDouble()));
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) t.addDims(d);
        graph.addInitializer(t);
        return name;
    }

    public String weight(String name, long... dims) { return weightIn(name, -0.5, 0.5, dims); }

    public String ints(String name, long... values) {
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length).addAllInt64Data(java.util.Arrays.stream(values).boxed().toList()));
        return name;
    }

    /** A scalar int64 initializer. */
    public String scalarInt(String name, long value) {
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(value));
        return name;
    }

    public String floats(String name, long[] dims, float... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (long d : dims) t.addDims(d);
        for (float v : values) t.addFloatData(v);
        graph.addInitializer(t);
        return name;
    }

    /** A Constant node holding int64 values (as exporters write shapes). */
    public String constantInts(String name, long... values) {
        TensorProto t = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length).addAllInt64Data(java.util.Arrays.stream(values).boxed().toList()).build();
        graph.addNode(NodeProto.newBuilder().setName(name).setOpType("Constant").addOutput(name)
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(t)));
        return name;
    }

    /** A generic node with outputs named {@code name} (and {@code name:1}, ... for more outputs). */
    public String nodeN(String opType, String name, List<String> inputs, int outputs, Object... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setName(name).setOpType(opType).addAllInput(inputs);
        for (int i = 0; i < outputs; i++) n.addOutput(i == 0 ? name : name + ":" + i);
        for (int i = 0; i < attrs.length; i += 2) n.addAttribute(attr((String) attrs[i], attrs[i + 1]));
        graph.addNode(n);
        return name;
    }

    public String node(String opType, String name, List<String> inputs, Object... attrs) {
        return nodeN(opType, name, inputs, 1, attrs);
    }

    static AttributeProto attr(String name, Object v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        if (v instanceof Integer i) a.setType(AttributeProto.AttributeType.INT).setI(i);
        else if (v instanceof Long l) a.setType(AttributeProto.AttributeType.INT).setI(l);
        else if (v instanceof Float f) a.setType(AttributeProto.AttributeType.FLOAT).setF(f);
        else if (v instanceof Double d) a.setType(AttributeProto.AttributeType.FLOAT).setF(d.floatValue());
        else if (v instanceof String s) a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
        else if (v instanceof long[] ls) {
            a.setType(AttributeProto.AttributeType.INTS);
            for (long l : ls) a.addInts(l);
        } else if (v instanceof float[] fs) {
            a.setType(AttributeProto.AttributeType.FLOATS);
            for (float f : fs) a.addFloats(f);
        } else throw new IllegalArgumentException("attribute type " + v.getClass());
        return a.build();
    }

    // ---- layers ----

    /** Conv with bias, square kernel k, "same" padding, given group. */
    public String conv(String name, String in, long inCh, long outCh, long k, long group) {
        weight(name + ".weight", outCh, inCh / group, k, k);
        weight(name + ".bias", outCh);
        long p = k / 2;
        return node("Conv", name, List.of(in, name + ".weight", name + ".bias"), "group", group,
                "kernel_shape", new long[] {k, k}, "pads", new long[] {p, p, p, p});
    }

    public String conv(String name, String in, long inCh, long outCh, long k) { return conv(name, in, inCh, outCh, k, 1); }

    public String batchNorm(String name, String in, long ch) {
        weightIn(name + ".weight", 0.5, 1.5, ch);
        weight(name + ".bias", ch);
        weight(name + ".mean", ch);
        weightIn(name + ".var", 0.5, 1.5, ch);
        return node("BatchNormalization", name, List.of(in, name + ".weight", name + ".bias", name + ".mean", name + ".var"));
    }

    public String relu(String name, String in) { return node("Relu", name, List.of(in)); }

    public String add(String name, String a, String b) { return node("Add", name, List.of(a, b)); }

    public String mul(String name, String a, String b) { return node("Mul", name, List.of(a, b)); }

    /** Gemm with weight [out, in] (transB = 1) and bias. */
    public String gemm(String name, String in, long inF, long outF) {
        weight(name + ".weight", outF, inF);
        weight(name + ".bias", outF);
        return node("Gemm", name, List.of(in, name + ".weight", name + ".bias"), "transB", 1);
    }

    /** MatMul with weight [in, out] followed by nothing (bias via {@link #add}). */
    public String linear(String name, String in, long inF, long outF) {
        weight(name + ".weight", inF, outF);
        weight(name + ".bias", outF);
        node("MatMul", name + "/MatMul", List.of(in, name + ".weight"));
        return node("Add", name, List.of(name + "/MatMul", name + ".bias"));
    }

    public String globalAvgPool(String name, String in) { return node("GlobalAveragePool", name, List.of(in)); }

    public String flatten(String name, String in) { return node("Flatten", name, List.of(in), "axis", 1); }

    public String reshape(String name, String in, long... shape) {
        ints(name + ".shape", shape);
        return node("Reshape", name, List.of(in, name + ".shape"));
    }

    public String transpose(String name, String in, long... perm) { return node("Transpose", name, List.of(in), "perm", perm); }

    public String concat(String name, long axis, String... ins) { return node("Concat", name, List.of(ins), "axis", axis); }

    /** LayerNormalization over the last axis with scale and bias. */
    public String layerNorm(String name, String in, long ch) {
        weightIn(name + ".weight", 0.5, 1.5, ch);
        weight(name + ".bias", ch);
        return node("LayerNormalization", name, List.of(in, name + ".weight", name + ".bias"), "axis", -1L);
    }

    public ModelProto build() {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("lopper-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph.build()).build();
    }

    public OnnxModel model() { return OnnxModel.of(Path.of("memory", graph.getName() + ".onnx"), build()); }

    public ModelGraph graph() { return ModelGraph.raw(model()); }

    public List<String> initializerNames() {
        List<String> r = new ArrayList<>();
        for (TensorProto t : graph.getInitializerList()) r.add(t.getName());
        return r;
    }
}
