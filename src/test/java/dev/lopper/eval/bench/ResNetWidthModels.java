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
 * Benchmark input, not a test: writes ResNet-50-shaped ONNX models (torchvision layout, BatchNorm folded into
 * the convs as exporters do in eval mode, random He-initialised weights) with every channel count scaled by
 * (1 - ratio), the physical result of structurally pruning a fraction {@code ratio} of every group's channels
 * (input and 1000 classes kept). Usage: {@code ResNetWidthModels OUT_DIR ratio...}; then
 * {@code lopper bench resnet50_p0.onnx resnet50_p30.onnx --threads 1}.
 */
public final class ResNetWidthModels {
    private final GraphProto.Builder g = GraphProto.newBuilder();
    private final SplittableRandom rnd = new SplittableRandom(7);
    private final double keep;
    private int counter;

    private ResNetWidthModels(double ratio) { this.keep = 1 - ratio; }

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
    public static ModelProto build(double ratio) { return new ResNetWidthModels(ratio).build(); }

    private int w(int c) { return Math.max(1, (int) Math.round(c * keep)); }

    private ModelProto build() {
        g.setName("resnet50").addInput(value("input", "batch", 3, 224, 224));
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
        x = node("GlobalAveragePool", List.of(x));
        x = node("Flatten", List.of(x));
        String wName = init(new long[] {1000, in}, in);
        String bName = init(new long[] {1000}, 0);
        String y = node("Gemm", List.of(x, wName, bName), AttributeProto.newBuilder().setName("transB")
                .setType(AttributeProto.AttributeType.INT).setI(1).build());
        g.addOutput(ValueInfoProto.newBuilder().setName(y).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("lopper-bench")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build();
    }

    private String conv(String x, int cin, int cout, int k, int stride, int pad, boolean relu) {
        String wName = init(new long[] {cout, cin, k, k}, cin * k * k);
        String bName = init(new long[] {cout}, 0);
        String y = node("Conv", List.of(x, wName, bName), ints("kernel_shape", k, k), ints("strides", stride, stride),
                ints("pads", pad, pad, pad, pad));
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
