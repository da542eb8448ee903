package dev.lopper.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

import com.google.protobuf.ByteString;

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

/** Fluent builder of tiny ONNX models for tests. Dims given as Long/Integer sizes or String symbols. */
public final class ModelBuilder {
    public static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    public static final int INT64 = TensorProto.DataType.INT64_VALUE;

    private final GraphProto.Builder g = GraphProto.newBuilder().setName("test");
    private final int opset;
    private int counter;

    public ModelBuilder(int opset) {
        this.opset = opset;
    }

    public static ValueInfoProto valueInfo(String name, int type, Object... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof String str) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(str));
            else s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) d).longValue()));
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type).setShape(s)))
                .build();
    }

    public ModelBuilder input(String name, int type, Object... dims) {
        g.addInput(valueInfo(name, type, dims));
        return this;
    }

    public ModelBuilder output(String name) {
        g.addOutput(ValueInfoProto.newBuilder().setName(name));
        return this;
    }

    public ModelBuilder output(String name, int type, Object... dims) {
        g.addOutput(valueInfo(name, type, dims));
        return this;
    }

    public ModelBuilder valueInfo(ValueInfoProto v) {
        g.addValueInfo(v);
        return this;
    }

    public static TensorProto floats(String name, long[] dims, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        b.flip();
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT).setRawData(ByteString.copyFrom(b));
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    public static TensorProto longs(String name, long[] dims, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(INT64);
        for (long v : values) t.addInt64Data(v);
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    /** A float initializer of the given dims filled with 0.01 * (i % 7 + 1). */
    public ModelBuilder weight(String name, long... dims) {
        long n = 1;
        for (long d : dims) n *= d;
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = 0.01f * (i % 7 + 1);
        g.addInitializer(floats(name, dims, v));
        return this;
    }

    public ModelBuilder init(TensorProto t) {
        g.addInitializer(t);
        return this;
    }

    /** A 1-D int64 initializer. */
    public ModelBuilder ints(String name, long... values) {
        g.addInitializer(longs(name, new long[] {values.length}, values));
        return this;
    }

    /** A scalar float initializer. */
    public ModelBuilder scalar(String name, float v) {
        g.addInitializer(floats(name, new long[0], v));
        return this;
    }

    public ModelBuilder node(String op, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op.toLowerCase() + "_" + counter++)
                .addAllInput(inputs).addAllOutput(outputs);
        for (AttributeProto a : attrs) n.addAttribute(a);
        g.addNode(n);
        return this;
    }

    /** Shorthand: one output. */
    public ModelBuilder node(String op, String output, List<String> inputs, AttributeProto... attrs) {
        return node(op, inputs, List.of(output), attrs);
    }

    public ModelBuilder raw(NodeProto n) {
        g.addNode(n);
        return this;
    }

    public static AttributeProto ia(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    public static AttributeProto i(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    public static AttributeProto f(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    public static AttributeProto floatsAttr(String name, float... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
        for (float x : v) a.addFloats(x);
        return a.build();
    }

    public static AttributeProto s(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    public static AttributeProto t(String name, TensorProto v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(v).build();
    }

    public ModelProto proto() {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("lopper-test").setProducerVersion("1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(g).build();
    }

    public OnnxModel build() {
        return OnnxModel.of(Path.of("test.onnx"), proto());
    }
}
