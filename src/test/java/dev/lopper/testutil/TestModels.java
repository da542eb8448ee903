package dev.lopper.testutil;

import java.util.List;

/** Small models covering the rules, built with {@link ModelBuilder}; shared by analysis and prune tests. */
public final class TestModels {
    private TestModels() {}

    /** Residual CNN with BN, depthwise and grouped conv, squeeze-excitation gate, Flatten → Gemm. */
    public static ModelBuilder cnn() {
        ModelBuilder b = ModelBuilder.create("cnn").input("x", -1, 3, 8, 8);
        b.conv("conv1", "x", 3, 8, 3);
        b.batchNorm("bn1", "conv1", 8);
        b.relu("relu1", "bn1");
        b.conv("conv2", "relu1", 8, 8, 3);
        b.batchNorm("bn2", "conv2", 8);
        b.add("add", "bn2", "relu1");
        b.conv("dw", "add", 8, 8, 3, 8);
        b.node("HardSwish", "hs", List.of("dw"));
        b.globalAvgPool("se_pool", "hs");
        b.conv("se_fc1", "se_pool", 8, 4, 1);
        b.relu("se_relu", "se_fc1");
        b.conv("se_fc2", "se_relu", 4, 8, 1);
        b.node("HardSigmoid", "se_gate", List.of("se_fc2"));
        b.mul("se_mul", "hs", "se_gate");
        b.conv("gc", "se_mul", 8, 12, 3, 2);
        b.relu("relu2", "gc");
        b.node("MaxPool", "pool", List.of("relu2"), "kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2});
        b.flatten("flat", "pool");
        b.gemm("fc1", "flat", 12 * 4 * 4, 10);
        b.relu("relu3", "fc1");
        b.gemm("fc", "relu3", 10, 5);
        b.output("fc");
        return b;
    }

    /** Concat, Split and Slice on the channel axis; ConvTranspose and Resize (UNet-style skip). */
    public static ModelBuilder concatSplit() {
        ModelBuilder b = ModelBuilder.create("concat_split").opset(17).input("x", 1, 4, 8, 8);
        b.conv("a", "x", 4, 6, 3);
        b.relu("ra", "a");
        b.conv("b", "x", 4, 5, 1);
        b.concat("cat", 1, "ra", "b");
        b.conv("c", "cat", 11, 8, 3);
        b.ints("split_sizes", 3, 5);
        b.nodeN("Split", "split", List.of("c", "split_sizes"), 2, "axis", 1L);
        b.conv("s0", "split", 3, 4, 1);
        b.conv("s1", "split:1", 5, 4, 1);
        b.add("sum", "s0", "s1");
        b.ints("st", 1);
        b.ints("en", 3);
        b.ints("ax", 1);
        b.node("Slice", "slice", List.of("sum", "st", "en", "ax"));
        b.conv("d", "slice", 2, 6, 3);
        b.node("MaxPool", "down", List.of("d"), "kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2});
        b.weight("up.weight", 6, 3, 2, 2);
        b.weight("up.bias", 3);
        b.node("ConvTranspose", "up", List.of("down", "up.weight", "up.bias"), "kernel_shape", new long[] {2, 2},
                "strides", new long[] {2, 2});
        b.floats("scales", new long[] {4}, 1f, 1f, 1f, 1f);
        b.node("Resize", "keep", List.of("up", "", "scales"), "mode", "nearest");
        b.concat("skip", 1, "keep", "d");
        b.conv("out", "skip", 9, 2, 1);
        b.output("out");
        return b;
    }

    /**
     * A one-block transformer encoder as PyTorch exports it: decomposed LayerNorm, dynamic-shape Reshape
     * into heads (Shape → Gather → Unsqueeze → Concat), attention, MLP, and a classifier on the first token.
     */
    public static ModelBuilder encoder() {
        return encoder(ModelBuilder.create("encoder"), 1, 16, 2, 32);
    }

    /** An encoder of {@code layers} blocks (BERT-base: 12, 768, 12, 3072), each as PyTorch exports it. */
    public static ModelBuilder encoder(ModelBuilder b, int layers, long hidden, long heads, long mlp) {
        long dim = hidden / heads;
        b.typedInput("ids", 7, -1, -1);
        b.weight("embedding", 100, hidden);
        b.node("Gather", "embed", List.of("embedding", "ids"));
        String x = "embed";
        for (int l = 0; l < layers; l++) x = block(b, l == 0 ? "" : "l" + l + "/", x, hidden, heads, dim, mlp);
        b.scalarInt("first", 0);
        b.node("Gather", "cls", List.of(x, "first"), "axis", 1L);
        b.gemm("head", "cls", hidden, 3);
        b.output("head");
        return b.opset(20);
    }

    private static String block(ModelBuilder b, String p, String in, long hidden, long heads, long dim, long mlp) {
        String h = decomposedLayerNorm(b, p + "ln0", in, hidden);
        String q = b.linear(p + "q", h, hidden, hidden);
        String k = b.linear(p + "k", h, hidden, hidden);
        String v = b.linear(p + "v", h, hidden, hidden);
        String qh = heads(b, p + "qh", q, heads, dim, new long[] {0, 2, 1, 3});
        String kh = heads(b, p + "kh", k, heads, dim, new long[] {0, 2, 3, 1});
        String vh = heads(b, p + "vh", v, heads, dim, new long[] {0, 2, 1, 3});
        b.node("MatMul", p + "scores", List.of(qh, kh));
        b.floats(p + "scale", new long[] {}, (float) Math.sqrt(dim));
        b.node("Div", p + "scaled", List.of(p + "scores", p + "scale"));
        b.node("Softmax", p + "probs", List.of(p + "scaled"), "axis", -1L);
        b.node("MatMul", p + "ctx", List.of(p + "probs", vh));
        b.transpose(p + "ctx_t", p + "ctx", 0, 2, 1, 3);
        b.node("Shape", p + "ctx_shape", List.of(p + "ctx_t"));
        b.ints(p + "idx01", 0, 1);
        b.node("Gather", p + "ctx_bs", List.of(p + "ctx_shape", p + "idx01"), "axis", 0L);
        b.constantInts(p + "hid", hidden);
        b.concat(p + "ctx_target", 0, p + "ctx_bs", p + "hid");
        b.node("Reshape", p + "ctx_merged", List.of(p + "ctx_t", p + "ctx_target"));
        String o = b.linear(p + "o", p + "ctx_merged", hidden, hidden);
        b.add(p + "res1", o, h);
        String h2 = decomposedLayerNorm(b, p + "ln1", p + "res1", hidden);
        String f1 = b.linear(p + "fc1", h2, hidden, mlp);
        b.node("Gelu", p + "act", List.of(f1));
        String f2 = b.linear(p + "fc2", p + "act", mlp, hidden);
        return b.add(p + "res2", f2, h2);
    }

    /** A residual CNN of {@code blocks} blocks (conv-BN-ReLU-conv-BN-Add-ReLU, 7 nodes each). */
    public static ModelBuilder residualCnn(ModelBuilder b, int blocks, long channels) {
        b.input("x", -1, 3, 16, 16);
        String x = b.conv("stem", "x", 3, channels, 3);
        for (int i = 0; i < blocks; i++) {
            String p = "b" + i + "/";
            b.conv(p + "c1", x, channels, channels, 3);
            b.batchNorm(p + "bn1", p + "c1", channels);
            b.relu(p + "r1", p + "bn1");
            b.conv(p + "c2", p + "r1", channels, channels, 3);
            b.batchNorm(p + "bn2", p + "c2", channels);
            b.add(p + "add", p + "bn2", x);
            x = b.relu(p + "out", p + "add");
        }
        b.globalAvgPool("gap", x);
        b.flatten("flat", "gap");
        b.gemm("fc", "flat", channels, 10);
        b.output("fc");
        return b;
    }

    private static String heads(ModelBuilder b, String name, String in, long heads, long dim, long[] perm) {
        b.node("Shape", name + "/shape", List.of(in));
        b.scalarInt(name + "/i0", 0);
        b.scalarInt(name + "/i1", 1);
        b.node("Gather", name + "/b", List.of(name + "/shape", name + "/i0"), "axis", 0L);
        b.node("Gather", name + "/s", List.of(name + "/shape", name + "/i1"), "axis", 0L);
        b.ints(name + "/ax0", 0);
        b.node("Unsqueeze", name + "/bu", List.of(name + "/b", name + "/ax0"));
        b.node("Unsqueeze", name + "/su", List.of(name + "/s", name + "/ax0"));
        b.constantInts(name + "/h", heads);
        b.constantInts(name + "/d", dim);
        b.concat(name + "/target", 0, name + "/bu", name + "/su", name + "/h", name + "/d");
        b.node("Reshape", name + "/split", List.of(in, name + "/target"));
        return b.transpose(name, name + "/split", perm);
    }

    /** LayerNorm as exporters write it: ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add. */
    public static String decomposedLayerNorm(ModelBuilder b, String name, String in, long ch) {
        b.ints(name + "/axes", -1);
        b.node("ReduceMean", name + "/mean", List.of(in, name + "/axes"));
        b.node("Sub", name + "/sub", List.of(in, name + "/mean"));
        b.floats(name + "/two", new long[] {}, 2f);
        b.node("Pow", name + "/pow", List.of(name + "/sub", name + "/two"));
        b.node("ReduceMean", name + "/var", List.of(name + "/pow", name + "/axes"));
        b.floats(name + "/eps", new long[] {}, 1e-5f);
        b.node("Add", name + "/add", List.of(name + "/var", name + "/eps"));
        b.node("Sqrt", name + "/std", List.of(name + "/add"));
        b.node("Div", name + "/norm", List.of(name + "/sub", name + "/std"));
        b.weightIn(name + ".weight", 0.5, 1.5, ch);
        b.weight(name + ".bias", ch);
        b.node("Mul", name + "/scale", List.of(name + "/norm", name + ".weight"));
        return b.node("Add", name, List.of(name + "/scale", name + ".bias"));
    }
}
