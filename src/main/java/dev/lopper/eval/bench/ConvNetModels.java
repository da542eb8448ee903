package dev.lopper.eval.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * Benchmark inputs built in memory (used by {@code lopper bench-suite}): ResNet-50- and MobileNetV2-shaped models
 * at a chosen input resolution, and residual stacks of a chosen node count. ResNet-50-shaped ONNX models (torchvision layout, BatchNorm folded into
 * the convs as exporters do in eval mode, random He-initialised weights) with every channel count scaled by
 * (1 - ratio), the physical result of structurally pruning a fraction {@code ratio} of every group's channels
 * (input and 1000 classes kept). Usage: {@code ConvNetModels OUT_DIR ratio...}; then
 * {@code lopper bench resnet50_p0.onnx resnet50_p30.onnx --threads 1}.
 */
public final class ConvNetModels {
    private final GraphProto.Builder g = GraphProto.newBuilder();
    private final SplittableRandom rnd = new SplittableRandom(7);
    private final double keep;
    private int counter;

    private final int resolution;

    private ConvNetModels(double ratio, int resolution) {
        this.keep = 1 - ratio;
        this.resolution = resolution;
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        for (int i = 1; i < args.length; i++) {
            double ratio = Double.parseDouble(args[i]);
            ModelProto m = build(ratio);
            Path f = out.resolve(String.format("resnet50_p%02d.onnx", Math.round(ratio * 100)));
            Files.write(f, m.toByteArray());
            System.out.println(f + " " + Files.size(f) + " bytes");
        }
    }

    /** ResNet-50 with every channel count scaled by (1 - ratio). */
    public static ModelProto build(double ratio) { return resnet50(ratio, 224); }

    /** ResNet-50 (torchvision layout, BN folded) with channels scaled by (1 - ratio), input 1x3xRxR. */
    public static ModelProto resnet50(double ratio, int resolution) { return new ConvNetModels(ratio, resolution).build(); }

    /**
     * MobileNetV2 (inverted residual blocks: 1x1 expand, 3x3 depthwise, 1x1 project; width 1.0, BN folded) with
     * channels scaled by (1 - ratio), input 1x3xRxR. Relu stands for Relu6 (same cost, fewer ops).
     */
    public static ModelProto mobileNetV2(double ratio, int resolution) { return new ConvNetModels(ratio, resolution).mobileNet(); }

    /**
     * A stack of {@code blocks} residual blocks (Conv 1x1, Relu, Conv 1x1, Add, Relu; 16 channels, 4x4 maps) after a
     * stem Conv, then GlobalAveragePool, Flatten, Gemm: 5 * blocks + 4 nodes.
     */
    public static ModelProto residualStack(int blocks) {
        ConvNetModels m = new ConvNetModels(0, 4);
        m.g.setName("residual_stack_" + blocks).addInput(value("input", 1, 3, 4, 4));
        String x = m.conv("input", 3, 16, 1, 1, 0, false);
        for (int b = 0; b < blocks; b++) {
            String h = m.conv(x, 16, 16, 1, 1, 0, true);
            h = m.conv(h, 16, 16, 1, 1, 0, false);
            x = m.node("Relu", List.of(m.node("Add", List.of(h, x))));
        }
        return m.head(x, 16, 10);
    }

    private ModelProto mobileNet() {
        g.setName("mobilenet_v2").addInput(value("input", 1, 3, resolution, resolution));
        int in = w(32);
        String x = conv("input", 3, in, 3, 2, 1, true);
        int[][] cfg = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
        for (int[] c : cfg) {
            for (int i = 0; i < c[2]; i++) {
                int stride = i == 0 ? c[3] : 1;
                int out = w(c[1]);
                int hidden = c[0] == 1 ? in : in * c[0];
                String h = c[0] == 1 ? x : conv(x, in, hidden, 1, 1, 0, true);
                h = conv(h, hidden, hidden, 3, stride, 1, true, hidden);
                h = conv(h, hidden, out, 1, 1, 0, false);
                x = stride == 1 && in == out ? node("Add", List.of(h, x)) : h;
                in = out;
            }
        }
        x = conv(x, in, w(1280), 1, 1, 0, true);
        return head(x, w(1280), 1000);
    }

    /** GlobalAveragePool, Flatten, Gemm to {@code classes}; the output; the model. */
    private ModelProto head(String x, int in, int classes) {
        x = node("GlobalAveragePool", List.of(x));
        x = node("Flatten", List.of(x));
        String wName = init(new long[] {classes, in}, in);
        String bName = init(new long[] {classes}, 0);
        String y = node("Gemm", List.of(x, wName, bName), AttributeProto.newBuilder().setName("transB")
                .setType(AttributeProto.AttributeType.INT).setI(1).build());
        g.addOutput(ValueInfoProto.newBuilder().setName(y).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("lopper-bench")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build();
    }

    private int w(int c) { return Math.max(1, (int) Math.round(c * keep)); }

    private ModelProto build() {
        g.setName("resnet50").addInput(value("input", "batch", 3, resolution, resolution));
        String x = conv("input", 3, w(64), 7, 2, 3, true);
        x = node("MaxPool", List.of(x), ints("kernel_shape", 3, 3), ints("strides", 2, 2), ints("pads", 1, 1, 1, 1));
        int in = w(64);
        int[] mids = {64, 128, 256, 512};
        int[] blocks = {3, 4, 6, 3};
        for (int s = 0; s < 4; s++) {
            for (int b = 0; b < blocks[s]; b++) {
                int stride = (b == 0 && s > 0) ? 2 : 1;
                int mid = w(mids[s]);
                int outC = w(mids[s] * 4);
                String h = conv(x, in, mid, 1, 1, 0, true);
                h = conv(h, mid, mid, 3, stride, 1, true);
                h = conv(h, mid, outC, 1, 1, 0, false);
                String skip = b == 0 ? conv(x, in, outC, 1, stride, 0, false) : x;
                x = node("Relu", List.of(node("Add", List.of(h, skip))));
                in = outC;
            }
        }
        return head(x, in, 1000);
    }

    private String conv(String x, int cin, int cout, int k, int stride, int pad, boolean relu) {
        return conv(x, cin, cout, k, stride, pad, relu, 1);
    }

    private String conv(String x, int cin, int cout, int k, int stride, int pad, boolean relu, int group) {
        String wName = init(new long[] {cout, cin / group, k, k}, cin / group * k * k);
        String bName = init(new long[] {cout}, 0);
        String y = node("Conv", List.of(x, wName, bName), ints("kernel_shape", k, k), ints("strides", stride, stride),
                ints("pads", pad, pad, pad, pad), AttributeProto.newBuilder().setName("group")
                        .setType(AttributeProto.AttributeType.INT).setI(group).build());
        return relu ? node("Relu", List.of(y)) : y;
    }

    private String init(long[] dims, int fanIn) {
        String name = "w" + (counter++);
        long n = 1;
        for (long d : dims) n *= d;
        ByteBuffer b = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
        double std = fanIn == 0 ? 0.01 : Math.sqrt(2.0 / fanIn);
        for (long i = 0; i < n; i++) b.putFloat((float) ((rnd.nextDouble() * 2 - 1) * std * 1.732));
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) t.addDims(d);
        g.addInitializer(t);
        return name;
    }

    private String node(String op, List<String> inputs, AttributeProto... attrs) {
        String out = op.toLowerCase() + "_" + (counter++);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(out).addAllInput(inputs).addOutput(out);
        for (AttributeProto a : attrs) n.addAttribute(a);
        g.addNode(n);
        return out;
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    private static ValueInfoProto value(String name, Object... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        List<Object> ds = new ArrayList<>(List.of(dims));
        for (Object d : ds) {
            if (d instanceof String sym) s.addDimBuilder().setDimParam(sym);
            else s.addDimBuilder().setDimValue(((Number) d).longValue());
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }
}
