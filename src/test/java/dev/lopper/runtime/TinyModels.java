package dev.lopper.runtime;

import java.util.List;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.OperatorSetIdProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorShapeProto;
import dev.lopper.onnx.proto.Onnx.TypeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/** Tiny ONNX models built from protos for eval tests. Dims given as strings are symbolic. */
final class TinyModels {
    private TinyModels() {}

    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int INT64 = TensorProto.DataType.INT64_VALUE;

    static ValueInfoProto value(String name, int type, Object... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof String sym) s.addDimBuilder().setDimParam(sym);
            else s.addDimBuilder().setDimValue(((Number) d).longValue());
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type).setShape(s))).build();
    }

    static TensorProto floats(String name, long[] dims, float... v) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT);
        for (long d : dims) t.addDims(d);
        for (float f : v) t.addFloatData(f);
        return t.build();
    }

    static NodeProto node(String op, String name, List<String> in, List<String> out, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addAllOutput(out);
        for (AttributeProto a : attrs) n.addAttribute(a);
        return n.build();
    }

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static ModelProto model(GraphProto.Builder g) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("lopper-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(g.setName("g")).build();
    }

    /** y = x · W, x float[batch, 4], W 4x4 = diag(d). */
    static ModelProto diagonalMatMul(float... diag) {
        float[] w = new float[16];
        for (int i = 0; i < 4; i++) w[i * 4 + i] = diag[i];
        return model(GraphProto.newBuilder()
                .addInput(value("x", FLOAT, "batch", 4))
                .addInitializer(floats("W", new long[] {4, 4}, w))
                .addNode(node("MatMul", "mm", List.of("x", "W"), List.of("y")))
                .addOutput(value("y", FLOAT, "batch", 4)));
    }

    /** Conv 1x1 (2 -> 2 channels, W = [[1, 0], [0, -1]], bias 0) then Relu: x float[N, 2, H, W]; exposes "conv_out". */
    static ModelProto convRelu() {
        return model(GraphProto.newBuilder()
                .addInput(value("x", FLOAT, "N", 2, "height", "width"))
                .addInitializer(floats("W", new long[] {2, 2, 1, 1}, 1, 0, 0, -1))
                .addInitializer(floats("B", new long[] {2}, 0, 0))
                .addNode(node("Conv", "", List.of("x", "W", "B"), List.of("conv_out")))
                .addNode(node("Relu", "", List.of("conv_out"), List.of("y")))
                .addOutput(value("y", FLOAT, "N", 2, "height", "width")));
    }

    /** Token model: ids int64[batch, sequence] -> Gather(table 10x3) -> * Cast(mask) -> [batch, sequence, 3]. */
    static ModelProto embedding() {
        float[] table = new float[30];
        for (int i = 0; i < 30; i++) table[i] = i;
        return model(GraphProto.newBuilder()
                .addInput(value("input_ids", INT64, "batch", "sequence"))
                .addInput(value("attention_mask", INT64, "batch", "sequence"))
                .addInitializer(floats("table", new long[] {10, 3}, table))
                .addNode(node("Gather", "emb", List.of("table", "input_ids"), List.of("e")))
                .addNode(node("Cast", "cast", List.of("attention_mask"), List.of("m"), intAttr("to", FLOAT)))
                .addNode(node("Unsqueeze", "unsq", List.of("m", "axes"), List.of("m3")))
                .addInitializer(TensorProto.newBuilder().setName("axes").setDataType(INT64).addDims(1).addInt64Data(2))
                .addNode(node("Mul", "mul", List.of("e", "m3"), List.of("y")))
                .addOutput(value("y", FLOAT, "batch", "sequence", 3)));
    }

    /** Image classifier: x float[N, 3, height, width] -> GlobalAveragePool -> Flatten -> y [N, 3] (mean of each channel). */
    static ModelProto channelMeans() {
        return model(GraphProto.newBuilder()
                .addInput(value("x", FLOAT, "N", 3, "height", "width"))
                .addNode(node("GlobalAveragePool", "gap", List.of("x"), List.of("p")))
                .addNode(node("Flatten", "flat", List.of("p"), List.of("y")))
                .addOutput(value("y", FLOAT, "N", 3)));
    }

    /** A chain of {@code layers} MatMuls of x float[512, 512] with one shared 512x512 weight (slow enough to cancel). */
    static ModelProto slowChain(int layers) {
        GraphProto.Builder g = GraphProto.newBuilder().addInput(value("x", FLOAT, 512, 512));
        TensorProto.Builder w = TensorProto.newBuilder().setName("W").setDataType(FLOAT).addDims(512).addDims(512);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(512 * 512 * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 512 * 512; i++) b.putFloat(i % 513 == 0 ? 1f : 0f);
        w.setRawData(com.google.protobuf.ByteString.copyFrom(b.array()));
        g.addInitializer(w);
        String prev = "x";
        for (int i = 0; i < layers; i++) {
            String out = i == layers - 1 ? "y" : "h" + i;
            g.addNode(node("MatMul", "mm" + i, List.of(prev, "W"), List.of(out)));
            prev = out;
        }
        return model(g.addOutput(value("y", FLOAT, 512, 512)));
    }

    /** y = x · W with W (4 x outs) all ones: output [batch, outs]. */
    static ModelProto ones(int outs, String inputName) {
        float[] w = new float[4 * outs];
        java.util.Arrays.fill(w, 1f);
        return model(GraphProto.newBuilder()
                .addInput(value(inputName, FLOAT, "batch", 4))
                .addInitializer(floats("W", new long[] {4, outs}, w))
                .addNode(node("MatMul", "mm", List.of(inputName, "W"), List.of("y")))
                .addOutput(value("y", FLOAT, "batch", outs)));
    }
}
