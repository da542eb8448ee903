package dev.lopper.graph;

import static dev.lopper.graph.ModelBuilder.FLOAT;
import static dev.lopper.graph.ModelBuilder.INT64;
import static dev.lopper.graph.ModelBuilder.f;
import static dev.lopper.graph.ModelBuilder.i;
import static dev.lopper.graph.ModelBuilder.ia;
import static dev.lopper.graph.ModelBuilder.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;
import dev.lopper.task.Progress;

class ShapeInferenceTest {
    static ModelGraph stored(ModelBuilder b) {
        return GraphLoader.load(b.build(), Map.of(), Standardizer.Mode.AS_STORED, Progress.NONE);
    }

    static ModelGraph std(ModelBuilder b) {
        return GraphLoader.load(b.build(), Map.of());
    }

    static String sh(ModelGraph g, String t) { return g.shape(t).toString(); }

    @Test
    void convStridesPadsDilationsGroups() {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, "N", 8, 32, 31)
                .weight("w", 16, 4, 3, 3)
                .node("Conv", "y", List.of("x", "w"), ia("strides", 2, 2), ia("pads", 1, 1, 1, 1), i("group", 2))
                .node("Conv", "z", List.of("x", "w"), ia("dilations", 2, 2), i("group", 2))
                .node("Conv", "u", List.of("x", "w"), s("auto_pad", "SAME_UPPER"), ia("strides", 2, 2), i("group", 2))
                .output("y");
        ModelGraph g = stored(b);
        assertEquals("[N,16,16,16]", sh(g, "y"));
        assertEquals("[N,16,28,27]", sh(g, "z"));
        assertEquals("[N,16,16,16]", sh(g, "u"));
        assertEquals(DataType.FLOAT_VALUE, g.elemType("y"));
    }

    @Test
    void convTransposeAndPools() {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 1, 8, 10, 10)
                .weight("w", 8, 3, 4, 4)
                .node("ConvTranspose", "y", List.of("x", "w"), ia("strides", 2, 2), ia("pads", 1, 1, 1, 1), i("group", 2))
                .node("MaxPool", "p", List.of("x"), ia("kernel_shape", 3, 3), ia("strides", 2, 2), i("ceil_mode", 1))
                .node("AveragePool", "q", List.of("x"), ia("kernel_shape", 3, 3), ia("strides", 2, 2))
                .node("GlobalAveragePool", "r", List.of("x"))
                .output("y");
        ModelGraph g = stored(b);
        assertEquals("[1,6,20,20]", sh(g, "y")); // 2*(10-1) + 4 - 2
        assertEquals("[1,8,5,5]", sh(g, "p"));
        assertEquals("[1,8,4,4]", sh(g, "q"));
        assertEquals("[1,8,1,1]", sh(g, "r"));
    }

    @Test
    void matMulGemmBroadcast() {
        ModelBuilder b = new ModelBuilder(13).input("a", FLOAT, "B", 1, "S", 64).input("c", FLOAT, 4, 64, "T")
                .weight("w", 64, 32).weight("gw", 10, 64)
                .node("MatMul", "m", List.of("a", "w"))
                .node("MatMul", "bb", List.of("a", "c"))
                .node("Gemm", "g", List.of("x2", "gw"), i("transB", 1))
                .node("Flatten", "x2", List.of("a"))
                .output("m");
        ModelGraph g = stored(b);
        assertEquals("[B,1,S,32]", sh(g, "m"));
        assertEquals("[B,4,S,T]", sh(g, "bb"));
        assertEquals("[B,?]", sh(g, "x2"));
        assertEquals("[B,10]", sh(g, "g"));
    }

    @Test
    void reshapeZeroMinusOneAndAllowZero() {
        ModelBuilder b = new ModelBuilder(14).input("x", FLOAT, "B", "S", 768)
                .ints("heads", 0, 0, 12, 64).ints("flat", -1, 768).ints("back", 0, -1)
                .node("Reshape", "h", List.of("x", "heads"))
                .node("Reshape", "f", List.of("x", "flat"))
                .node("Reshape", "k", List.of("h", "back"))
                .input("z", FLOAT, 2, 3, 4).ints("zz", 0, 12)
                .node("Reshape", "z1", List.of("z", "zz"), i("allowzero", 1))
                .node("Reshape", "z2", List.of("z", "zz"))
                .output("h");
        ModelGraph g = stored(b);
        assertEquals("[B,S,12,64]", sh(g, "h"));
        assertEquals("[?,768]", sh(g, "f"));
        assertEquals("[B,?]", sh(g, "k"));
        assertEquals("[0,12]", sh(g, "z1"));
        assertEquals("[2,12]", sh(g, "z2"));
    }

    @Test
    void squeezeUnsqueezeBothForms() {
        ModelBuilder old = new ModelBuilder(11).input("x", FLOAT, 1, 3, 1, 5)
                .node("Squeeze", "a", List.of("x"), ia("axes", 0, -2))
                .node("Unsqueeze", "b", List.of("a"), ia("axes", 0, 3))
                .node("Squeeze", "c", List.of("x"))
                .output("b");
        ModelGraph g = stored(old);
        assertEquals("[3,5]", sh(g, "a"));
        assertEquals("[1,3,5,1]", sh(g, "b"));
        assertEquals("[3,5]", sh(g, "c"));
        ModelBuilder neu = new ModelBuilder(13).input("x", FLOAT, 1, 3, 1, 5).ints("ax", 0, -2).ints("ux", 0, 3)
                .node("Squeeze", "a", List.of("x", "ax"))
                .node("Unsqueeze", "b", List.of("a", "ux"))
                .output("b");
        g = stored(neu);
        assertEquals("[3,5]", sh(g, "a"));
        assertEquals("[1,3,5,1]", sh(g, "b"));
    }

    @Test
    void concatSplitSlice() {
        ModelBuilder b = new ModelBuilder(18).input("x", FLOAT, "N", 6, 10).input("y", FLOAT, "N", 2, 10)
                .node("Concat", "c", List.of("x", "y"), i("axis", 1))
                .ints("sp", 2, 6)
                .node("Split", List.of("c", "sp"), List.of("s0", "s1"), i("axis", 1))
                .node("Split", List.of("x"), List.of("t0", "t1", "t2"), i("axis", 2), i("num_outputs", 3))
                .ints("st", 1, -3).ints("en", Long.MAX_VALUE, -1).ints("axs", 1, 2).ints("stp", 2, 1)
                .node("Slice", "sl", List.of("x", "st", "en", "axs", "stp"))
                .ints("st2", -1).ints("en2", Long.MAX_VALUE).ints("ax2", 0)
                .node("Slice", "last", List.of("x", "st2", "en2", "ax2"))
                .output("c");
        ModelGraph g = stored(b);
        assertEquals("[N,8,10]", sh(g, "c"));
        assertEquals("[N,2,10]", sh(g, "s0"));
        assertEquals("[N,6,10]", sh(g, "s1"));
        assertEquals("[N,6,4]", sh(g, "t0"));
        assertEquals("[N,6,2]", sh(g, "t2"));
        assertEquals("[N,3,2]", sh(g, "sl"));
        assertEquals("[1,6,10]", sh(g, "last"));
        ModelBuilder old = new ModelBuilder(9).input("x", FLOAT, 4, 6, 10)
                .node("Slice", "sl", List.of("x"), ia("starts", 1), ia("ends", 100), ia("axes", 2))
                .node("Split", List.of("x"), List.of("a", "b"), i("axis", 1), ia("split", 1, 5))
                .output("sl");
        g = stored(old);
        assertEquals("[4,6,9]", sh(g, "sl"));
        assertEquals("[4,5,10]", sh(g, "b"));
    }

    @Test
    void gatherShapeExpandTilePadResize() {
        ModelBuilder b = new ModelBuilder(18).input("x", FLOAT, 2, 3, 8, 8).input("ids", INT64, "B", "S")
                .weight("emb", 100, 16)
                .node("Gather", "e", List.of("emb", "ids"))
                .node("Shape", "sh", List.of("x"), i("start", 1), i("end", -1))
                .ints("ex", 4, 1, 1, 1)
                .node("Expand", "xe", List.of("x", "ex"))
                .ints("rep", 1, 2, 1, 3)
                .node("Tile", "xt", List.of("x", "rep"))
                .ints("pads", 0, 0, 1, 2, 0, 0, 3, 4)
                .node("Pad", "xp", List.of("x", "pads"))
                .init(ModelBuilder.floats("scales", new long[] {4}, 1, 1, 2, 2))
                .node("Resize", "xr", List.of("x", "", "scales"), s("mode", "nearest"))
                .ints("sizes", 2, 3, 5, 7)
                .node("Resize", "xs", List.of("x", "", "", "sizes"))
                .output("e");
        ModelGraph g = stored(b);
        assertEquals("[B,S,16]", sh(g, "e"));
        assertEquals("[2]", sh(g, "sh"));
        assertEquals(DataType.INT64_VALUE, g.elemType("sh"));
        assertEquals("[4,3,8,8]", sh(g, "xe"));
        assertEquals("[2,6,8,24]", sh(g, "xt"));
        assertEquals("[2,3,12,14]", sh(g, "xp"));
        assertEquals("[2,3,16,16]", sh(g, "xr"));
        assertEquals("[2,3,5,7]", sh(g, "xs"));
    }

    @Test
    void reduceCastWhereRangeConstantOfShape() {
        ModelBuilder b = new ModelBuilder(18).input("x", FLOAT, "N", 4, 5)
                .ints("ax", -1)
                .node("ReduceMean", "m", List.of("x", "ax"))
                .node("ReduceSum", "s", List.of("x", "ax"), i("keepdims", 0))
                .node("Cast", "c", List.of("x"), i("to", DataType.FLOAT16_VALUE))
                .node("Equal", "eq", List.of("x", "m"))
                .node("Where", "w", List.of("eq", "x", "m"))
                .node("ArgMax", "am", List.of("x"), i("axis", 1), i("keepdims", 0))
                .init(ModelBuilder.longs("r0", new long[0], 2)).init(ModelBuilder.longs("r1", new long[0], 11))
                .init(ModelBuilder.longs("r2", new long[0], 3))
                .node("Range", "rg", List.of("r0", "r1", "r2"))
                .ints("cs", 2, 3)
                .node("ConstantOfShape", "co", List.of("cs"))
                .output("w");
        ModelGraph g = stored(b);
        assertEquals("[N,4,1]", sh(g, "m"));
        assertEquals("[N,4]", sh(g, "s"));
        assertEquals(DataType.FLOAT16_VALUE, g.elemType("c"));
        assertEquals(DataType.BOOL_VALUE, g.elemType("eq"));
        assertEquals("[N,4,5]", sh(g, "w"));
        assertEquals("[N,5]", sh(g, "am"));
        assertEquals(DataType.INT64_VALUE, g.elemType("am"));
        assertEquals("[3]", sh(g, "rg"));
        assertEquals("[2,3]", sh(g, "co"));
        assertEquals(DataType.FLOAT_VALUE, g.elemType("co"));
        assertEquals(List.of(2L, 5L, 8L), longs(g.value("rg")));
    }

    static List<Long> longs(TensorValue v) {
        return java.util.Arrays.stream(v.longs()).boxed().toList();
    }

    @Test
    void recurrentEinsumTransposeNorms() {
        ModelBuilder b = new ModelBuilder(14).input("x", FLOAT, "T", "B", 16)
                .weight("W", 2, 128, 16).weight("R", 2, 128, 32)
                .node("LSTM", List.of("x", "W", "R"), List.of("y", "yh", "yc"), i("hidden_size", 32),
                        s("direction", "bidirectional"))
                .node("GRU", List.of("x", "W", "R"), List.of("g", "gh"), i("hidden_size", 32), i("layout", 0))
                .input("q", FLOAT, "B", 4, "S", 8).input("k", FLOAT, "B", 4, "S", 8)
                .node("Einsum", "att", List.of("q", "k"), s("equation", "bhqd,bhkd->bhqk"))
                .node("Einsum", "ell", List.of("q", "k"), s("equation", "...qd,...kd->...qk"))
                .node("Transpose", "qt", List.of("q"), ia("perm", 0, 2, 1, 3))
                .weight("ls", 8).weight("lb", 8)
                .node("LayerNormalization", List.of("q", "ls", "lb"), List.of("ln", "mean", "istd"), i("axis", -1))
                .output("y");
        ModelGraph g = stored(b);
        assertEquals("[T,2,B,32]", sh(g, "y"));
        assertEquals("[2,B,32]", sh(g, "yh"));
        assertEquals("[2,B,32]", sh(g, "yc"));
        assertEquals("[T,1,B,32]", sh(g, "g"));
        assertEquals("[B,4,S,S]", sh(g, "att"));
        assertEquals("[B,4,S,S]", sh(g, "ell"));
        assertEquals("[B,S,4,8]", sh(g, "qt"));
        assertEquals("[B,4,S,8]", sh(g, "ln"));
        assertEquals("[B,4,S,1]", sh(g, "mean"));
    }

    @Test
    void sliceAndResizeFromSymbolicShapeComputations() {
        // position_ids[:, :seq] and Resize(sizes = Concat(Shape(x)[0:2], [16, 16]))
        ModelBuilder b = new ModelBuilder(13).input("ids", INT64, "batch", "seq").input("img", FLOAT, "N", 3, 8, 8)
                .init(ModelBuilder.longs("pos", new long[] {1, 512}, new long[512]))
                .node("Shape", "s", List.of("ids"))
                .ints("one", 1).ints("zero", 0)
                .node("Slice", "seqlen", List.of("s", "one", "ints2"))
                .ints("ints2", 2)
                .node("Slice", "p", List.of("pos", "zero", "seqlen", "one"))
                .node("Shape", "is", List.of("img"))
                .node("Slice", "nc", List.of("is", "zero", "ints2"))
                .ints("hw", 16, 16)
                .node("Concat", "sizes", List.of("nc", "hw"), i("axis", 0))
                .node("Resize", "up", List.of("img", "", "", "sizes"))
                .output("p");
        ModelGraph g = stored(b);
        assertEquals("[1,seq]", sh(g, "p"));
        assertEquals("[N,3,16,16]", sh(g, "up"));
    }

    @Test
    void unknownOpLeavesOutputsUnknownAndValueInfoFillsIn() {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 1, 3)
                .node("Frobnicate", "y", List.of("x"))
                .node("Relu", "z", List.of("y"))
                .node("Relu", "w", List.of("q"))
                .node("Frobnicate", "q", List.of("x"))
                .valueInfo(ModelBuilder.valueInfo("q", FLOAT, 7, 7))
                .output("z");
        ModelGraph g = stored(b);
        assertFalse(g.shape("y").hasRank());
        assertFalse(g.shape("z").hasRank());
        assertEquals("[7,7]", sh(g, "w")); // value_info fallback, and nodes sorted topologically
    }

    @Test
    void givenInputShapesBindSymbolsEverywhere() {
        ModelBuilder b = new ModelBuilder(13).input("ids", INT64, "batch", "seq").input("mask", INT64, "batch", "seq")
                .node("Add", "s", List.of("ids", "mask"))
                .output("s");
        ModelGraph g = GraphLoader.load(b.build(), Map.of("ids", new long[] {2, 128}));
        assertEquals("[2,128]", sh(g, "mask"));
        assertEquals("[2,128]", sh(g, "s"));
        assertThrows(IllegalArgumentException.class, () -> GraphLoader.load(b.build(), Map.of("nope", new long[] {1})));
        assertThrows(IllegalArgumentException.class, () -> GraphLoader.load(b.build(), Map.of("ids", new long[] {1})));
    }

    @Test
    void malformedNodeDoesNotThrow() {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 1, 3)
                .node("Transpose", "y", List.of("x"), ia("perm", 5, 9))
                .node("Conv", "c", List.of("x"))
                .node("Reshape", "r", List.of("x", "nothing"))
                .output("y");
        ModelGraph g = stored(b);
        assertFalse(g.shape("y").hasRank());
    }

    @Test
    void parsesInputShapeSpecs() {
        Map<String, long[]> m = GraphLoader.parseInputShapes(List.of("input=1,3,224,224", "ids=2,16"));
        assertEquals(4, m.get("input").length);
        assertEquals(16, m.get("ids")[1]);
        assertThrows(IllegalArgumentException.class, () -> GraphLoader.parseInputShapes(List.of("x=1,a")));
        assertThrows(IllegalArgumentException.class, () -> GraphLoader.parseInputShapes(List.of("1,2")));
        assertEquals(1, f("x", 1).getF(), 0);
    }
}
