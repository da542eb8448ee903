package dev.lopper.graph;

import static dev.lopper.graph.ModelBuilder.FLOAT;
import static dev.lopper.graph.ModelBuilder.i;
import static dev.lopper.graph.ModelBuilder.ia;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

/** Values the folding evaluator computes, checked against numpy semantics by hand. */
class ConstantEvaluatorTest {
    static ModelGraph fold(ModelBuilder b) {
        return GraphLoader.load(b.build(), Map.of());
    }

    @Test
    void structuralOps() throws Exception {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 1)
                .init(ModelBuilder.longs("m", new long[] {2, 3}, 1, 2, 3, 4, 5, 6))
                .node("Transpose", "t", List.of("m"), ia("perm", 1, 0))
                .ints("rep", 2, 1)
                .node("Tile", "tl", List.of("m", "rep"))
                .init(ModelBuilder.longs("col", new long[] {2, 1}, 7, 8)).ints("es", 2, 3)
                .node("Expand", "ex", List.of("col", "es"))
                .ints("st", -1).ints("en", Long.MIN_VALUE).ints("ax", 1).ints("sp", -2)
                .node("Slice", "rev", List.of("m", "st", "en", "ax", "sp"))
                .ints("idx", 2, 0)
                .node("Gather", "ga", List.of("m", "idx"), i("axis", 1))
                .node("Concat", "cc", List.of("m", "col"), i("axis", 1))
                .node("Add", "use", List.of("x", "x"))
                .output("use").output("t").output("tl").output("ex").output("rev").output("ga").output("cc");
        // Graph outputs are never folded; read their values.
        ModelGraph g = fold(b);
        assertArrayEquals(new long[] {1, 4, 2, 5, 3, 6}, g.value("t").longs());
        assertArrayEquals(new long[] {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}, g.value("tl").longs());
        assertArrayEquals(new long[] {7, 7, 7, 8, 8, 8}, g.value("ex").longs());
        assertArrayEquals(new long[] {3, 1, 6, 4}, g.value("rev").longs());
        assertArrayEquals(new long[] {3, 1, 6, 4}, g.value("ga").longs());
        assertArrayEquals(new long[] {1, 2, 3, 7, 4, 5, 6, 8}, g.value("cc").longs());
        assertEquals("[2,4]", g.shape("cc").toString());
    }

    @Test
    void arithmeticCastRangeWhere() throws Exception {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 1)
                .ints("a", 7, -7, 9).ints("d", 2, 2, -4)
                .node("Div", "q", List.of("a", "d"))
                .node("Mod", "r", List.of("a", "d"))
                .node("Cast", "f", List.of("a"), i("to", DataType.FLOAT_VALUE))
                .node("Sqrt", "bad", List.of("a"))
                .init(ModelBuilder.floats("fs", new long[0], 0.5f)).init(ModelBuilder.floats("fl", new long[0], 2f))
                .init(ModelBuilder.floats("fd", new long[0], 0.5f))
                .node("Range", "rg", List.of("fs", "fl", "fd"))
                .node("Greater", "gt", List.of("a", "d"))
                .node("Where", "w", List.of("gt", "a", "d"))
                .node("Add", "use", List.of("x", "x"))
                .output("use").output("q").output("r").output("f").output("rg").output("w").output("bad");
        ModelGraph g = fold(b);
        assertArrayEquals(new long[] {3, -3, -2}, g.value("q").longs());   // integer division truncates
        assertArrayEquals(new long[] {1, 1, -3}, g.value("r").longs());    // fmod = 0: sign of the divisor
        assertNull(g.value("f"));                                          // float results are not integer values
        assertArrayEquals(new long[] {7, 2, 9}, g.value("w").longs());
        assertNull(g.value("bad"));
        assertEquals("[3]", g.shape("rg").toString());
    }

    @Test
    void floatScalarsFoldButLargeFloatsDoNot() throws Exception {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, 2, 64)
                .scalar("hd", 64f)
                .node("Sqrt", "s", List.of("hd"))
                .node("Div", "y", List.of("x", "s"))
                .weight("w", 64, 64)
                .node("Transpose", "wt", List.of("w"))
                .node("MatMul", "z", List.of("y", "wt"))
                .output("z");
        ModelGraph g = fold(b);
        assertEquals(8.0, g.constantValue("s").toDoubleArray()[0], 1e-6);
        assertEquals(ConstantOrigin.Kind.FOLDED, g.constantOrigin("s").kind());
        assertEquals(List.of("hd"), g.constantOrigin("s").initializers());
        assertEquals(List.of("Div", "Transpose", "MatMul"), StandardizerTest.ops(g)); // the weight stays a weight
    }
}
