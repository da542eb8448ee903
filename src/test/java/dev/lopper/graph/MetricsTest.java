package dev.lopper.graph;

import static dev.lopper.graph.ModelBuilder.FLOAT;
import static dev.lopper.graph.ModelBuilder.i;
import static dev.lopper.graph.ModelBuilder.ia;
import static dev.lopper.graph.ModelBuilder.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class MetricsTest {
    static Map<String, Long> perNode(Metrics.Report r) {
        Map<String, Long> m = new HashMap<>();
        for (Metrics.NodeCost c : r.perNode()) m.put(c.node(), c.macs());
        return m;
    }

    @Test
    void handComputedMacs() {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 1, 8, 32, 32).input("x10", FLOAT, 1, 8, 10, 10)
                .input("a", FLOAT, 4, 64).input("q", FLOAT, 2, 4, 5, 8).input("k", FLOAT, 2, 4, 8, 5)
                .input("seq", FLOAT, 5, 2, 16)
                .weight("w", 16, 4, 3, 3).weight("bias", 16).weight("wt", 8, 3, 4, 4).weight("gw", 10, 64)
                .weight("sc", 8).weight("bb", 8).weight("mu", 8).weight("var", 8)
                .weight("W", 2, 128, 16).weight("R", 2, 128, 32)
                .node("Conv", "c1", List.of("x", "w", "bias"), ia("strides", 2, 2), ia("pads", 1, 1, 1, 1), i("group", 2))
                .node("Conv", "c2", List.of("x", "w"), ia("dilations", 2, 2), i("group", 2))
                .node("ConvTranspose", "ct", List.of("x10", "wt"), ia("strides", 2, 2), i("group", 2))
                .node("Gemm", "g", List.of("a", "gw"), i("transB", 1))
                .node("MatMul", "mm", List.of("q", "k"))
                .node("BatchNormalization", "bn", List.of("x", "sc", "bb", "mu", "var"))
                .node("MaxPool", "mp", List.of("x10"), ia("kernel_shape", 3, 3), ia("strides", 2, 2), i("ceil_mode", 1))
                .node("GlobalAveragePool", "gap", List.of("x10"))
                .node("LSTM", List.of("seq", "W", "R"), List.of("y"), i("hidden_size", 32), s("direction", "bidirectional"))
                .node("Add", "add", List.of("x", "bn"))
                .node("Reshape", "rs", List.of("x", "shape")).ints("shape", 1, -1)
                .output("c1");
        ModelGraph g = GraphLoader.load(b.build(), Map.of());
        Metrics.Report r = Metrics.of(g);
        Map<String, Long> m = perNode(r);
        assertEquals(16L * 16 * 16 * 4 * 9, m.get("conv_0"));        // out elements x Cin/group x k
        assertEquals(16L * 28 * 28 * 4 * 9, m.get("conv_1"));        // dilation 2: 32 - 4 = 28
        assertEquals(800L * 3 * 16, m.get("convtranspose_2"));       // in elements x Cout/group x k
        assertEquals(4L * 10 * 64, m.get("gemm_3"));
        assertEquals(2L * 4 * 5 * 5 * 8, m.get("matmul_4"));         // activation x activation
        assertEquals(8192L, m.get("batchnormalization_5"));
        assertEquals(8L * 5 * 5 * 9, m.get("maxpool_6"));
        assertEquals(800L, m.get("globalaveragepool_7"));
        assertEquals(5L * 2 * 2 * 4 * 32 * (16 + 32), m.get("lstm_8"));
        assertEquals(8192L, m.get("add_9"));
        assertEquals(0L, m.get("reshape_10"));
        long total = 0;
        for (long v : m.values()) total += v;
        assertEquals(total, r.macs());
        assertFalse(r.unknownDims());
        // params: w 576, bias 16, wt 384, gw 640, BN 4x8, W 4096, R 8192; the int64 reshape shape is not a parameter
        assertEquals(576 + 16 + 384 + 640 + 32 + 4096 + 8192, r.params());
        assertEquals(4L * r.params(), r.paramBytes());
        assertEquals(4L * r.params() + 2 * 8, r.initializerBytes());
        assertEquals(r.params(), r.paramsByType().get("float").count());
    }

    @Test
    void symbolicBatchCountsAsOneAndIsFlagged() {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, "batch", 3, 8, 8).weight("w", 4, 3, 1, 1)
                .node("Conv", "y", List.of("x", "w"))
                .output("y");
        Metrics.Report r = Metrics.of(GraphLoader.load(b.build(), Map.of()));
        assertEquals(4L * 64 * 3, r.macs());
        assertTrue(r.unknownDims());
        Metrics.Report fixed = Metrics.of(GraphLoader.load(b.build(), Map.of("x", new long[] {2, 3, 8, 8})));
        assertEquals(2 * 4L * 64 * 3, fixed.macs());
        assertFalse(fixed.unknownDims());
    }

    @Test
    void sharedWeightsCountOnceAndUnknownOpsAreListed() {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 2, 8).weight("w", 8, 8)
                .node("MatMul", "h", List.of("x", "w"))
                .node("MatMul", "y", List.of("h", "w"))
                .node("Frobnicate", "z", List.of("y"))
                .output("z");
        Metrics.Report r = Metrics.of(GraphLoader.load(b.build(), Map.of()));
        assertEquals(64, r.params());
        assertEquals(2 * 2L * 8 * 8, r.macs());
        assertEquals(List.of("Frobnicate"), r.uncounted());
        assertEquals(64, r.perNode().get(1).params());
    }

    @Test
    void opsWithoutCostInsideABodyAreListedAndItsMatMulCounts() {
        var body = dev.lopper.onnx.proto.Onnx.GraphProto.newBuilder().setName("then")
                .addNode(dev.lopper.onnx.proto.Onnx.NodeProto.newBuilder().setOpType("MatMul").addInput("x").addInput("w").addOutput("m"))
                .addNode(dev.lopper.onnx.proto.Onnx.NodeProto.newBuilder().setOpType("Frobnicate").addInput("m").addOutput("o"))
                .addOutput(ModelBuilder.valueInfo("o", FLOAT, 2, 8)).build();
        var attr = dev.lopper.onnx.proto.Onnx.AttributeProto.newBuilder().setName("then_branch").setG(body)
                .setType(dev.lopper.onnx.proto.Onnx.AttributeProto.AttributeType.GRAPH).build();
        var elseAttr = attr.toBuilder().setName("else_branch").build();
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 2, 8).input("c", dev.lopper.onnx.proto.Onnx.TensorProto.DataType.BOOL_VALUE)
                .weight("w", 8, 8)
                .node("If", List.of("c"), List.of("z"), attr, elseAttr)
                .output("z");
        Metrics.Report r = Metrics.of(GraphLoader.load(b.build(), Map.of()));
        assertEquals(64, r.params(), "w once, though both branches read it");
        assertEquals(2 * 8 * 8L, r.macs(), "the larger branch");
        assertEquals(List.of("Frobnicate"), r.uncounted());
        assertEquals(128, r.perNode().get(0).params(), "the If node reads w in each branch");
    }

    static Metrics.Report manifest(String file) throws Exception {
        return Metrics.of(GraphLoader.load(dev.lopper.onnx.OnnxModel.read(
                java.nio.file.Path.of("src/test/resources/models", file)), Map.of()));
    }

    /** fp16 weights behind Cast(to=FLOAT) count once, as stored: the same network computing in fp16 has as many. */
    @Test
    void fp16WeightsBehindACastCountOnceAsStored() throws Exception {
        Metrics.Report weights = manifest("fp16_weights_op13.onnx"), compute = manifest("fp16_compute_op13.onnx");
        assertEquals(3050L, weights.params());
        assertEquals(compute.params(), weights.params());
        assertEquals(Map.of("float16", new Metrics.TypeCount(3050, 6100)), weights.paramsByType());
    }

    /** Scalars are not parameters: a LayerNorm decomposed at opset 13 (scalar epsilon, 2.0) has the fused one's count. */
    @Test
    void scalarsAreNotParameters() throws Exception {
        assertEquals(48291L, manifest("bert_tiny_op13.onnx").params());
        assertEquals(48291L, manifest("bert_tiny_op17.onnx").params());
        assertEquals(21162L, manifest("vit_slim_op13.onnx").params());
        assertEquals(21162L, manifest("vit_slim_op17.onnx").params());
    }
}
