package dev.lopper.prune.latency;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.SplittableRandom;

import com.google.protobuf.ByteString;

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
 * One layer whose latency depends on a group's kept channel count, as a small block timed on its own: a Conv (with
 * its bias, and the Relu after it when there is one: ONNX Runtime fuses the two) or a Gemm/MatMul, at the original
 * size except for the varying channel count. {@link #signature()} names it completely (op, every size, stride, pad,
 * dilation, group, activation and which axis varies), so equal layers share one measurement.
 *
 * @param op     "Conv", "Gemm" or "MatMul"
 * @param vary   which channel count the group sets: OUT (producer rows), IN (consumer columns), or BOTH (a depthwise
 *               Conv: in = out = group)
 * @param cin    input channels / features at the original size
 * @param cout   output channels / features at the original size
 * @param rows   Gemm/MatMul: rows of the input (product of the leading dims); Conv: 1
 * @param h      Conv input height (1 for Gemm/MatMul)
 * @param w      Conv input width (1 for Gemm/MatMul)
 * @param kernel kernel height and width
 * @param strides strides
 * @param pads   pads (top, left, bottom, right)
 * @param dilations dilations
 * @param group  Conv group (1, or the channel count for a depthwise Conv)
 * @param relu   a Relu follows (fused by ONNX Runtime)
 */
public record LayerSpec(String op, Vary vary, int cin, int cout, long rows, long h, long w, long[] kernel, long[] strides,
                        long[] pads, long[] dilations, int group, boolean relu) implements Timed {
    /** Which channel count of the layer the group sets. */
    public enum Vary { IN, OUT, BOTH }

    /** Everything the latency depends on, the varying count shown as {@code *}. */
    @Override
    public String signature() {
        String in = vary == Vary.OUT ? String.valueOf(cin) : "*";
        String out = vary == Vary.IN ? String.valueOf(cout) : "*";
        if (!op.equals("Conv")) return String.format(Locale.ROOT, "%s rows=%d in=%s out=%s", op, rows, in, out);
        return String.format(Locale.ROOT, "Conv in=%s out=%s hw=%dx%d k=%dx%d s=%dx%d p=%d,%d,%d,%d d=%dx%d g=%s%s", in, out, h, w,
                kernel[0], kernel[1], strides[0], strides[1], pads[0], pads[1], pads[2], pads[3], dilations[0], dilations[1],
                vary == Vary.BOTH ? "*" : String.valueOf(group), relu ? " relu" : "");
    }

    /** The channel count the group sets, at the original size. */
    public int original() { return vary == Vary.IN ? cin : cout; }

    /** A one-layer model with the varying count set to {@code n} (input "x", output "y", seeded random weights). */
    @Override
    public ModelProto model(int n) {
        GraphProto.Builder gb = GraphProto.newBuilder().setName("layer");
        gb.addInput(input(n));
        String y = addTo(gb, "x", n, "l0_", new SplittableRandom(11));
        return finish(gb, y);
    }

    /** The input "x" of this layer at count {@code n}. */
    ValueInfoProto input(int n) {
        int ci = vary == Vary.OUT ? cin : n;
        return op.equals("Conv") ? value("x", 1, ci, h, w) : value("x", rows, ci);
    }

    /** Output height and width of a Conv (input size for Gemm/MatMul). */
    long[] outHw() {
        if (!op.equals("Conv")) return new long[] {h, w};
        long oh = (h + pads[0] + pads[2] - dilations[0] * (kernel[0] - 1) - 1) / strides[0] + 1;
        long ow = (w + pads[1] + pads[3] - dilations[1] * (kernel[1] - 1) - 1) / strides[1] + 1;
        return new long[] {oh, ow};
    }

    /** Adds this layer (and its Relu) reading {@code x}; returns its output tensor. */
    String addTo(GraphProto.Builder gb, String x, int n, String prefix, SplittableRandom rnd) {
        int ci = vary == Vary.OUT ? cin : n;
        int co = vary == Vary.IN ? cout : n;
        int g = vary == Vary.BOTH ? n : group;
        NodeProto.Builder node;
        if (op.equals("Conv")) {
            gb.addInitializer(tensor(prefix + "W", rnd, co, ci / g, kernel[0], kernel[1]));
            gb.addInitializer(tensor(prefix + "B", rnd, co));
            node = NodeProto.newBuilder().setOpType("Conv").addInput(x).addInput(prefix + "W").addInput(prefix + "B")
                    .addAttribute(ints("kernel_shape", kernel)).addAttribute(ints("strides", strides))
                    .addAttribute(ints("pads", pads)).addAttribute(ints("dilations", dilations))
                    .addAttribute(AttributeProto.newBuilder().setName("group").setType(AttributeProto.AttributeType.INT).setI(g));
        } else if (op.equals("Gemm")) {
            gb.addInitializer(tensor(prefix + "W", rnd, co, ci));
            gb.addInitializer(tensor(prefix + "B", rnd, co));
            node = NodeProto.newBuilder().setOpType("Gemm").addInput(x).addInput(prefix + "W").addInput(prefix + "B")
                    .addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1));
        } else {
            gb.addInitializer(tensor(prefix + "W", rnd, ci, co));
            node = NodeProto.newBuilder().setOpType("MatMul").addInput(x).addInput(prefix + "W");
        }
        String y = prefix + "y";
        gb.addNode(node.setName(prefix + "layer").addOutput(y));
        if (!relu) return y;
        gb.addNode(NodeProto.newBuilder().setOpType("Relu").setName(prefix + "act").addInput(y).addOutput(prefix + "r"));
        return prefix + "r";
    }

    static ModelProto finish(GraphProto.Builder gb, String y) {
        gb.addNode(NodeProto.newBuilder().setOpType("Identity").setName("out").addInput(y).addOutput("y"));
        gb.addOutput(ValueInfoProto.newBuilder().setName("y").setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("lopper-latency-table")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(gb).build();
    }

    private static TensorProto tensor(String name, SplittableRandom rnd, long... dims) {
        long n = 1;
        for (long d : dims) n *= d;
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(n * 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) b.putFloat((float) (rnd.nextDouble() - 0.5) * 0.1f);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    private static AttributeProto ints(String name, long[] v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    static ValueInfoProto value(String name, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) s.addDimBuilder().setDimValue(d);
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }

    @Override
    public boolean equals(Object o) { return o instanceof LayerSpec s && s.signature().equals(signature()); }

    @Override
    public int hashCode() { return signature().hashCode(); }

    @Override
    public String toString() { return signature(); }
}
