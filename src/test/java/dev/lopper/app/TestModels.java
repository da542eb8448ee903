package dev.lopper.app;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

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

/** Small ONNX models built in Java for app tests and benchmarks. */
public final class TestModels {
    private TestModels() {}

    /** A builder of graphs with random float initializers. */
    public static final class Builder {
        final GraphProto.Builder g = GraphProto.newBuilder().setName("test");
        final Random rnd = new Random(7);
        int counter;

        public Builder input(String name, long... dims) {
            g.addInput(valueInfo(name, dims));
            return this;
        }

        public Builder output(String name, long... dims) {
            g.addOutput(valueInfo(name, dims));
            return this;
        }

        public Builder shape(String name, long... dims) {
            g.addValueInfo(valueInfo(name, dims));
            return this;
        }

        public String weight(String name, long... dims) {
            long n = 1;
            for (long d : dims) n *= d;
            ByteBuffer b = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < n; i++) b.putFloat((float) rnd.nextGaussian() * 0.1f);
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                    .setRawData(ByteString.copyFrom(b.array()));
            for (long d : dims) t.addDims(d);
            g.addInitializer(t);
            return name;
        }

        public NodeProto.Builder node(String op, List<String> inputs, String output) {
            NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op.toLowerCase() + "_" + (counter++))
                    .addAllInput(inputs).addOutput(output);
            g.addNode(n);
            return g.getNodeBuilder(g.getNodeCount() - 1);
        }

        public ModelProto build() {
            return ModelProto.newBuilder().setIrVersion(8).setProducerName("lopper-tests")
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).setGraph(g).build();
        }

        public Path write(Path file) throws IOException {
            Files.write(file, build().toByteArray());
            return file;
        }
    }

    static ValueInfoProto valueInfo(String name, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    /** Conv-BN-Relu stem, two residual blocks, global pool, flatten, Gemm classifier (1×1×16×16 → 10). */
    public static Path residualCnn(Path file) throws IOException {
        Builder b = new Builder().input("image", 1, 1, 16, 16).output("logits", 1, 10);
        String x = convBnRelu(b, "image", 1, 8, "stem");
        for (int blk = 0; blk < 2; blk++) {
            String y = convBnRelu(b, x, 8, 8, "b" + blk + "a");
            String z = convBnRelu(b, y, 8, 8, "b" + blk + "b");
            String sum = "b" + blk + "_sum";
            b.node("Add", List.of(x, z), sum);
            b.shape(sum, 1, 8, 16, 16);
            x = sum;
        }
        b.node("GlobalAveragePool", List.of(x), "pooled");
        b.shape("pooled", 1, 8, 1, 1);
        b.node("Flatten", List.of("pooled"), "flat");
        b.shape("flat", 1, 8);
        b.node("Gemm", List.of("flat", b.weight("fc.w", 10, 8), b.weight("fc.b", 10)), "logits")
                .addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1));
        return b.write(file);
    }

    static String convBnRelu(Builder b, String in, int cin, int cout, String name) {
        String w = b.weight(name + ".w", cout, cin, 3, 3);
        b.node("Conv", List.of(in, w, b.weight(name + ".bias", cout)), name + "_conv")
                .addAttribute(ints("pads", 1, 1, 1, 1)).addAttribute(ints("kernel_shape", 3, 3));
        b.shape(name + "_conv", 1, cout, 16, 16);
        b.node("BatchNormalization", List.of(name + "_conv", b.weight(name + ".g", cout), b.weight(name + ".beta", cout),
                b.weight(name + ".mean", cout), b.weight(name + ".var", cout)), name + "_bn");
        b.shape(name + "_bn", 1, cout, 16, 16);
        b.node("Relu", List.of(name + "_bn"), name + "_relu");
        b.shape(name + "_relu", 1, cout, 16, 16);
        return name + "_relu";
    }

    /**
     * A synthetic transformer-like graph of about {@code targetNodes} nodes (no weights): repeated blocks of
     * MatMul/Add/Reshape/Transpose/Softmax/LayerNorm-decomposed ops with residual edges.
     */
    public static ModelProto syntheticEncoder(int targetNodes) {
        Builder b = new Builder().input("tokens", 1, 128, 384);
        String x = "tokens";
        int layer = 0;
        while (b.g.getNodeCount() < targetNodes) {
            String p = "l" + layer + "_";
            List<String> heads = new ArrayList<>();
            for (String qkv : List.of("q", "k", "v")) {
                b.node("MatMul", List.of(x, p + qkv + "_w"), p + qkv);
                b.node("Add", List.of(p + qkv, p + qkv + "_b"), p + qkv + "_biased");
                b.node("Reshape", List.of(p + qkv + "_biased", p + "shape"), p + qkv + "_heads");
                b.node("Transpose", List.of(p + qkv + "_heads"), p + qkv + "_t");
                heads.add(p + qkv + "_t");
            }
            b.node("MatMul", List.of(heads.get(0), heads.get(1)), p + "scores");
            b.node("Div", List.of(p + "scores", p + "scale"), p + "scaled");
            b.node("Softmax", List.of(p + "scaled"), p + "probs");
            b.node("MatMul", List.of(p + "probs", heads.get(2)), p + "ctx");
            b.node("Transpose", List.of(p + "ctx"), p + "ctx_t");
            b.node("Reshape", List.of(p + "ctx_t", p + "shape2"), p + "ctx_m");
            b.node("MatMul", List.of(p + "ctx_m", p + "o_w"), p + "o");
            b.node("Add", List.of(p + "o", x), p + "res1");
            String n1 = layerNorm(b, p + "res1", p + "ln1");
            b.node("MatMul", List.of(n1, p + "f1_w"), p + "f1");
            b.node("Add", List.of(p + "f1", p + "f1_b"), p + "f1b");
            b.node("Erf", List.of(p + "f1b"), p + "gelu");
            b.node("Mul", List.of(p + "f1b", p + "gelu"), p + "act");
            b.node("MatMul", List.of(p + "act", p + "f2_w"), p + "f2");
            b.node("Add", List.of(p + "f2", n1), p + "res2");
            x = layerNorm(b, p + "res2", p + "ln2");
            layer++;
        }
        b.g.addOutput(valueInfo(x, 1, 128, 384));
        // every input that no node produces becomes a one-element initializer
        java.util.Set<String> defined = new java.util.HashSet<>(List.of("tokens"));
        for (NodeProto n : b.g.getNodeList()) defined.addAll(n.getOutputList());
        for (NodeProto n : b.g.getNodeList()) {
            for (String in : n.getInputList()) if (defined.add(in)) b.weight(in, 1);
        }
        return b.build();
    }

    private static String layerNorm(Builder b, String in, String p) {
        b.node("ReduceMean", List.of(in), p + "_mean");
        b.node("Sub", List.of(in, p + "_mean"), p + "_centered");
        b.node("Pow", List.of(p + "_centered", p + "_two"), p + "_sq");
        b.node("ReduceMean", List.of(p + "_sq"), p + "_var");
        b.node("Add", List.of(p + "_var", p + "_eps"), p + "_vare");
        b.node("Sqrt", List.of(p + "_vare"), p + "_std");
        b.node("Div", List.of(p + "_centered", p + "_std"), p + "_norm");
        b.node("Mul", List.of(p + "_norm", p + "_gamma"), p + "_scaled");
        b.node("Add", List.of(p + "_scaled", p + "_beta"), p + "_out");
        return p + "_out";
    }

    /** The real all-MiniLM-L6-v2 ONNX export from the test classpath, copied to {@code dir}; null if absent. */
    public static Path miniLm(Path dir) throws IOException {
        try (InputStream in = TestModels.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            if (in == null) return null;
            Path p = dir.resolve("all-minilm-l6-v2.onnx");
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            return p;
        }
    }

    /** Writes the dev models to the given folder: {@code java ... dev.lopper.app.TestModels DIR}. */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]));
        residualCnn(dir.resolve("residual_cnn.onnx"));
        Files.write(dir.resolve("encoder_1200.onnx"), syntheticEncoder(1200).toByteArray());
        Files.write(dir.resolve("synthetic_20k.onnx"), syntheticEncoder(20000).toByteArray());
        miniLm(dir);
        Files.writeString(dir.resolve("broken.onnx"), "this is not an onnx file");
    }
}
