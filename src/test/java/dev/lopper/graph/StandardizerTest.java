package dev.lopper.graph;

import static dev.lopper.graph.ModelBuilder.FLOAT;
import static dev.lopper.graph.ModelBuilder.INT64;
import static dev.lopper.graph.ModelBuilder.f;
import static dev.lopper.graph.ModelBuilder.i;
import static dev.lopper.graph.ModelBuilder.ia;
import static dev.lopper.graph.ModelBuilder.t;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.onnx.proto.Onnx.AttributeProto;

class StandardizerTest {
    static List<String> ops(ModelGraph g) {
        List<String> r = new ArrayList<>();
        for (Node n : g.nodes()) r.add(n.opType());
        return r;
    }

    static double[] doubles(ModelGraph g, String t) throws Exception {
        return g.constantValue(t).toDoubleArray();
    }

    static long[] longs(ModelGraph g, String t) throws Exception {
        return g.constantValue(t).toLongArray();
    }

    @Test
    void constantNodesOfEveryFormBecomeConstants() throws Exception {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 2, 3)
                .node("Constant", "c1", List.of(), t("value", ModelBuilder.floats("whatever", new long[] {3}, 1, 2, 3)))
                .node("Constant", "c2", List.of(), f("value_float", 0.5f))
                .node("Constant", "c3", List.of(), ModelBuilder.floatsAttr("value_floats", 4, 5, 6))
                .node("Constant", "c4", List.of(), i("value_int", 7))
                .node("Constant", "c5", List.of(), ia("value_ints", 3, 2))
                .node("Add", "a", List.of("x", "c1"))
                .node("Mul", "m", List.of("a", "c2"))
                .node("Add", "a2", List.of("m", "c3"))
                .node("Reshape", "r", List.of("a2", "c5"))
                .node("Constant", "out_c", List.of(), i("value_int", 1))
                .output("r").output("out_c");
        ModelGraph g = GraphLoader.load(b.build(), Map.of());
        assertEquals(List.of("Add", "Mul", "Add", "Reshape", "Constant"), ops(g));
        assertEquals(3.0, doubles(g, "c1")[2]);
        assertEquals(0.5, doubles(g, "c2")[0]);
        assertEquals(6.0, doubles(g, "c3")[2]);
        assertEquals(7, longs(g, "c4")[0]);
        assertEquals(2, longs(g, "c5")[1]);
        ConstantOrigin o = g.constantOrigin("c3");
        assertEquals(ConstantOrigin.Kind.CONSTANT_NODE, o.kind());
        assertEquals(List.of(2), o.nodeIndices());
        assertFalse(g.isStoredInitializer("c3"));
        assertEquals("[3,2]", g.shape("r").toString());
        assertFalse(g.isConstant("out_c")); // a Constant producing a graph output stays a node
    }

    @Test
    void identityAndDropoutBypassedButGraphOutputIdentityKept() {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 2, 3).weight("w", 3)
                .node("Identity", "wi", List.of("w"))
                .node("Identity", "xi", List.of("x"))
                .node("Dropout", "d", List.of("xi"))
                .node("Add", "a", List.of("d", "wi"))
                .node("Dropout", List.of("a"), List.of("d2", "mask"))
                .node("Relu", "r", List.of("d2"))
                .node("Identity", "y", List.of("r"))
                .node("Identity", "mask_out", List.of("mask"))
                .output("y").output("mask_out");
        ModelGraph g = GraphLoader.load(b.build(), Map.of());
        assertEquals(List.of("Add", "Dropout", "Relu", "Identity", "Identity"), ops(g));
        Node add = g.nodes().get(0);
        assertEquals(List.of("x", "w"), add.inputs());
        assertEquals("x", g.resolve("d"));
        assertEquals("w", g.resolve("wi"));
        assertEquals(List.of("d2"), g.nodes().get(2).inputs()); // Dropout with used mask is kept
        assertEquals("r", g.nodes().get(3).input(0));
        assertEquals(3, Standardizer.summary(g).bypassed()); // wi, xi, d
    }

    /** The torch pattern that reshapes [B, S, 768] into heads. */
    static ModelBuilder headsReshape(int opset) {
        ModelBuilder b = new ModelBuilder(opset).input("x", FLOAT, "batch", "seq", 768)
                .node("Shape", "s", List.of("x"))
                .node("Constant", "i0", List.of(), t("value", ModelBuilder.longs("", new long[0], 0)))
                .node("Gather", "g0", List.of("s", "i0"), i("axis", 0))
                .node("Constant", "i1", List.of(), t("value", ModelBuilder.longs("", new long[0], 1)))
                .node("Gather", "g1", List.of("s", "i1"), i("axis", 0))
                .ints("ax0", 0)
                .node("Unsqueeze", "u0", List.of("g0", "ax0"))
                .node("Unsqueeze", "u1", List.of("g1", "ax0"))
                .node("Constant", "c12", List.of(), ia("value_ints", 12))
                .node("Constant", "c64", List.of(), ia("value_ints", 64))
                .node("Concat", "shape", List.of("u0", "u1", "c12", "c64"), i("axis", 0))
                .node("Reshape", "h", List.of("x", "shape"))
                .node("Transpose", "ht", List.of("h"), ia("perm", 0, 2, 1, 3))
                .output("ht");
        return b;
    }

    @Test
    void symbolicShapeComputationGivesNamedDimsWithoutFolding() {
        ModelGraph g = GraphLoader.load(headsReshape(13).build(), Map.of());
        assertEquals("[batch,seq,12,64]", g.shape("h").toString());
        assertEquals("[batch,12,seq,64]", g.shape("ht").toString());
        assertTrue(ops(g).contains("Shape")); // not foldable: batch and seq are symbols
        TensorValue v = g.value("shape");
        assertNotNull(v);
        assertEquals("batch", v.symbol(0));
        assertEquals("seq", v.symbol(1));
        assertEquals(12, v.getLong(2));
        assertFalse(v.isKnown());
    }

    @Test
    void batchTimesHeadsStaysNamed() {
        // torch MultiheadAttention: Reshape(q, [L, batch * heads, head_dim]) then back with batch * heads / heads.
        ModelBuilder b = new ModelBuilder(13).input("q", FLOAT, 65, "batch", 32)
                .node("Shape", "s", List.of("q"))
                .init(ModelBuilder.longs("one", new long[0], 1))
                .node("Gather", "bsz", List.of("s", "one"), i("axis", 0))
                .init(ModelBuilder.longs("heads", new long[0], 4))
                .node("Mul", "bh", List.of("bsz", "heads"))
                .ints("ax", 0)
                .node("Unsqueeze", "bh1", List.of("bh", "ax"))
                .ints("len", 65).ints("hd", 8)
                .node("Concat", "t", List.of("len", "bh1", "hd"), i("axis", 0))
                .node("Reshape", "r", List.of("q", "t"))
                .node("Div", "b2", List.of("bh", "heads"))
                .node("Unsqueeze", "b21", List.of("b2", "ax"))
                .ints("d32", 32)
                .node("Concat", "t2", List.of("len", "b21", "d32"), i("axis", 0))
                .node("Reshape", "back", List.of("r", "t2"))
                .output("back");
        ModelGraph g = GraphLoader.load(b.build(), Map.of());
        assertEquals("[65,batch*4,8]", g.shape("r").toString());
        assertEquals("[65,batch,32]", g.shape("back").toString());
    }

    @Test
    void staticShapesFoldTheShapeComputation() throws Exception {
        ModelGraph g = GraphLoader.load(headsReshape(13).build(), Map.of("x", new long[] {2, 5, 768}));
        assertEquals(List.of("Reshape", "Transpose"), ops(g));
        assertEquals("[2,5,12,64]", g.shape("h").toString());
        assertTrue(g.isConstant("shape"));
        assertEquals(List.of(2L, 5L, 12L, 64L), ShapeInferenceTest.longs(g.value("shape")));
        long[] stored = longs(g, "shape");
        assertEquals(64, stored[3]);
        ConstantOrigin o = g.constantOrigin("shape");
        assertEquals(ConstantOrigin.Kind.FOLDED, o.kind());
        // Shape, Constant i0, Gather, Constant i1, Gather, Unsqueeze x2, Constant x2, Concat: all but Reshape/Transpose
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), o.nodeIndices());
        assertEquals(List.of("ax0"), o.initializers());
        assertNull(g.constant("g0")); // intermediate folded values leave the view
        assertEquals(Standardizer.summary(g).folded(), 6);
    }

    @Test
    void torchExpandPatternWithEqualWhere() {
        // shape = Concat(dim0 of x, [-1, -1]) ; torch: Where(Equal(shape, -1 * ones), ones, shape) -> Expand
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, "batch", 1, 16).input("y", FLOAT, 1, 4, 16)
                .node("Shape", "s", List.of("x"))
                .ints("idx", 0)
                .node("Gather", "d0", List.of("s", "idx"), i("axis", 0))
                .ints("tail", 4, 16)
                .node("Concat", "shape", List.of("d0", "tail"), i("axis", 0))
                .ints("three", 3)
                .node("ConstantOfShape", "ones", List.of("three"), t("value", ModelBuilder.longs("", new long[] {1}, 1)))
                .init(ModelBuilder.longs("minus1", new long[0], -1))
                .node("Mul", "neg", List.of("ones", "minus1"))
                .node("Equal", "eq", List.of("shape", "neg"))
                .node("Where", "w", List.of("eq", "ones", "shape"))
                .node("Expand", "e", List.of("y", "w"))
                .output("e");
        ModelGraph g = GraphLoader.load(b.build(), Map.of());
        assertEquals("[batch,4,16]", g.shape("e").toString());
        ModelGraph fixed = GraphLoader.load(b.build(), Map.of("x", new long[] {3, 1, 16}));
        assertEquals(List.of("Expand"), ops(fixed));
        assertEquals("[3,4,16]", fixed.shape("e").toString());
    }

    /** x [B, S, 8] -> torch LayerNorm decomposition (opset 13). */
    static ModelBuilder decomposedLayerNorm(boolean epsBeforeSqrt, boolean mulSquare) {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, "B", "S", 8)
                .weight("gamma", 8).weight("beta", 8)
                .node("ReduceMean", "m", List.of("x"), ia("axes", -1))
                .node("Sub", "d", List.of("x", "m"));
        if (mulSquare) b.node("Mul", "sq", List.of("d", "d"));
        else b.node("Constant", "two", List.of(), f("value_float", 2f)).node("Pow", "sq", List.of("d", "two"));
        b.node("ReduceMean", "v", List.of("sq"), ia("axes", -1))
                .node("Constant", "eps", List.of(), f("value_float", 1e-5f));
        if (epsBeforeSqrt) b.node("Add", "ve", List.of("v", "eps")).node("Sqrt", "den", List.of("ve"));
        else b.node("Sqrt", "sd", List.of("v")).node("Add", "den", List.of("sd", "eps"));
        return b.node("Div", "n", List.of("d", "den"))
                .node("Mul", "ns", List.of("n", "gamma"))
                .node("Add", "y", List.of("ns", "beta"))
                .node("Relu", "out", List.of("y"))
                .output("out");
    }

    @Test
    void decomposedLayerNormBecomesOneNode() {
        for (boolean before : new boolean[] {true, false}) {
            for (boolean mul : new boolean[] {true, false}) {
                ModelGraph g = GraphLoader.load(decomposedLayerNorm(before, mul).build(), Map.of());
                assertEquals(List.of("LayerNormalization", "Relu"), ops(g), "variant " + before + "/" + mul);
                Node ln = g.nodes().get(0);
                assertEquals(List.of("x", "gamma", "beta"), ln.inputs());
                assertEquals(List.of("y"), ln.outputs());
                assertEquals(2, ln.attrInt("axis", 0));
                assertEquals(1e-5f, ln.attrFloat("epsilon", 0), 1e-9);
                assertEquals(9, ln.protoIndices().size()); // Constant nodes (eps, 2) keep their own origin
                assertEquals("", ln.domain());
                assertEquals("[B,S,8]", g.shape("y").toString());
                assertEquals("y", g.consumers("y").get(0).input(0));
                assertEquals(ln, g.viewNode(0)); // the first ReduceMean is part of the logical node
                assertEquals(g.nodes().get(1), g.viewNode(g.nodes().get(1).protoIndices().get(0)));
            }
        }
    }

    @Test
    void layerNormWithIntermediateUsedElsewhereIsNotFused() {
        ModelBuilder b = decomposedLayerNorm(true, true).node("Relu", "leak", List.of("d")).output("leak");
        ModelGraph g = GraphLoader.load(b.build(), Map.of());
        assertFalse(ops(g).contains("LayerNormalization"));
    }

    @Test
    void rmsNormAndGelu() {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, "B", 8).weight("w", 8)
                .scalar("two", 2f).scalar("eps", 1e-6f).scalar("sqrt2", 1.4142135f).scalar("one", 1f).scalar("half", 0.5f)
                .node("Pow", "p", List.of("x", "two"))
                .node("ReduceMean", "ms", List.of("p"), ia("axes", -1))
                .node("Add", "mse", List.of("ms", "eps"))
                .node("Sqrt", "rs", List.of("mse"))
                .node("Reciprocal", "inv", List.of("rs"))
                .node("Mul", "nx", List.of("x", "inv"))
                .node("Mul", "h", List.of("w", "nx"))
                .node("Div", "gd", List.of("h", "sqrt2"))
                .node("Erf", "ge", List.of("gd"))
                .node("Add", "ga", List.of("ge", "one"))
                .node("Mul", "gm", List.of("h", "ga"))
                .node("Mul", "gelu", List.of("gm", "half"))
                .output("gelu");
        ModelGraph g = GraphLoader.load(b.build(), Map.of());
        assertEquals(List.of("RMSNormalization", "Gelu"), ops(g));
        assertEquals(List.of("x", "w"), g.nodes().get(0).inputs());
        assertEquals(1e-6f, g.nodes().get(0).attrFloat("epsilon", 0), 1e-12);
        assertEquals(1, g.nodes().get(0).attrInt("axis", 0));
        assertEquals(List.of("h"), g.nodes().get(1).inputs());
        assertEquals(List.of("gelu"), g.nodes().get(1).outputs());
        AttributeProto a = g.nodes().get(1).attributes().get("approximate");
        assertEquals("none", a.getS().toStringUtf8());
    }

    @Test
    void geluTanhFormAsGpt2ExportsIt() {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, "B", "S", 8)
                .scalar("half", 0.5f).scalar("three", 3f).scalar("c", 0.044715f).scalar("k", 0.7978846f).scalar("one", 1f)
                .node("Mul", "h", List.of("x", "half"))
                .node("Pow", "p", List.of("x", "three"))
                .node("Mul", "pc", List.of("p", "c"))
                .node("Add", "s", List.of("x", "pc"))
                .node("Mul", "sk", List.of("s", "k"))
                .node("Tanh", "t", List.of("sk"))
                .node("Add", "t1", List.of("one", "t"))
                .node("Mul", "y", List.of("h", "t1"))
                .node("Relu", "out", List.of("y"))
                .output("out");
        ModelGraph g = GraphLoader.load(b.build(), Map.of());
        assertEquals(List.of("Gelu", "Relu"), ops(g));
        Node gelu = g.nodes().get(0);
        assertEquals("tanh", gelu.attributes().get("approximate").getS().toStringUtf8());
        assertEquals(List.of("x"), gelu.inputs());
        assertEquals(List.of("y"), gelu.outputs());
        assertEquals(8, gelu.protoIndices().size());
    }

    @Test
    void dagHasParallelEdgesAndFollowsTheView() {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 2)
                .node("Relu", "r", List.of("x"))
                .node("Identity", "ri", List.of("r"))
                .node("Add", "y", List.of("ri", "ri"))
                .output("y");
        ModelGraph g = GraphLoader.load(b.build(), Map.of());
        var dag = g.dag();
        assertEquals(2, dag.vertexSet().size());
        assertEquals(2, dag.edgeSet().size());
        Node add = g.nodes().get(1);
        assertEquals(2, dag.incomingEdgesOf(add).size());
        assertEquals(java.util.Set.of(0, 1), dag.incomingEdgesOf(add).stream().map(TensorEdge::slot)
                .collect(java.util.stream.Collectors.toSet()));
        assertEquals(2, g.consumers("r").size());
    }

    @Test
    void subgraphOuterScopeReadsAreImplicitInputs() {
        dev.lopper.onnx.proto.Onnx.GraphProto thenG = dev.lopper.onnx.proto.Onnx.GraphProto.newBuilder().setName("then")
                .addNode(dev.lopper.onnx.proto.Onnx.NodeProto.newBuilder().setOpType("Relu").addInput("hi").addOutput("t_out"))
                .addOutput(ModelBuilder.valueInfo("t_out", FLOAT, 2, 4)).build();
        dev.lopper.onnx.proto.Onnx.GraphProto elseG = dev.lopper.onnx.proto.Onnx.GraphProto.newBuilder().setName("else")
                .addNode(dev.lopper.onnx.proto.Onnx.NodeProto.newBuilder().setOpType("Neg").addInput("h").addOutput("e_out"))
                .addOutput(ModelBuilder.valueInfo("e_out", FLOAT, 2, 4)).build();
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 2, 4).input("c", dev.lopper.onnx.proto.Onnx.TensorProto.DataType.BOOL_VALUE)
                .node("Relu", "h", List.of("x"))
                .node("Identity", "hi", List.of("h"))
                .raw(dev.lopper.onnx.proto.Onnx.NodeProto.newBuilder().setOpType("If").setName("if").addInput("c").addOutput("y")
                        .addAttribute(AttributeProto.newBuilder().setName("then_branch").setType(AttributeProto.AttributeType.GRAPH).setG(thenG))
                        .addAttribute(AttributeProto.newBuilder().setName("else_branch").setType(AttributeProto.AttributeType.GRAPH).setG(elseG))
                        .build())
                .output("y");
        ModelGraph g = GraphLoader.load(b.build(), Map.of());
        Node iff = g.node("if");
        assertEquals(List.of("h"), iff.implicitInputs()); // "hi" resolved through the bypassed Identity
        assertTrue(g.consumers("h").contains(iff));
        assertEquals("[2,4]", g.shape("y").toString());
        assertEquals(1, g.dag().incomingEdgesOf(iff).size());
        assertEquals(TensorEdge.IMPLICIT, g.dag().incomingEdgesOf(iff).iterator().next().slot());
    }

    @Test
    void asStoredKeepsEveryNode() {
        ModelGraph g = GraphLoader.load(headsReshape(13).build(), Map.of("x", new long[] {2, 5, 768}),
                Standardizer.Mode.AS_STORED, dev.lopper.task.Progress.NONE);
        assertEquals(12, g.nodes().size());
        assertEquals("[2,5,12,64]", g.shape("h").toString());
    }

    @Test
    void reportsProgressAndCanBeCancelled() {
        List<String> messages = new ArrayList<>();
        dev.lopper.task.Progress record = new dev.lopper.task.Progress() {
            @Override
            public void update(String message, double done, double total) { messages.add(message); }

            @Override
            public boolean isCancelled() { return false; }
        };
        GraphLoader.load(headsReshape(13).build(), Map.of(), Standardizer.Mode.STANDARDIZED, record);
        assertTrue(messages.contains("Inferring shapes"));
        assertEquals("Graph ready", messages.get(messages.size() - 1));
        dev.lopper.task.CancellationToken token = new dev.lopper.task.CancellationToken();
        token.cancel();
        org.junit.jupiter.api.Assertions.assertThrows(dev.lopper.task.CancelledException.class,
                () -> GraphLoader.load(headsReshape(13).build(), Map.of(), Standardizer.Mode.STANDARDIZED,
                        token.progress(dev.lopper.task.Progress.NONE)));
    }

    @Test
    void int64ShapeArithmeticFolds() throws Exception {
        // Flatten-like: [N, C*H*W] computed with Shape/Slice/ReduceProd/Div/Concat.
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 2, 4, 3, 3)
                .node("Shape", "s", List.of("x"))
                .ints("st", 1).ints("en", 4).ints("ax", 0)
                .node("Slice", "chw", List.of("s", "st", "en", "ax"))
                .node("ReduceProd", "p", List.of("chw"), i("keepdims", 1))
                .ints("minus", -1)
                .node("Concat", "shape", List.of("minus", "p"), i("axis", 0))
                .node("Reshape", "y", List.of("x", "shape"))
                .output("y");
        ModelGraph g = GraphLoader.load(b.build(), Map.of());
        assertEquals(List.of("Reshape"), ops(g));
        assertEquals("[2,36]", g.shape("y").toString());
        assertEquals(36, longs(g, "shape")[1]);
        assertEquals(INT64, g.elemType("shape"));
    }
}
