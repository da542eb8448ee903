package dev.lopper.cli;

import static dev.lopper.cli.Hostile.assertOneLineFailure;
import static dev.lopper.cli.Hostile.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.ByteString;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.OperatorSetIdProto;
import dev.lopper.onnx.proto.Onnx.StringStringEntryProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorShapeProto;
import dev.lopper.onnx.proto.Onnx.TypeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/** Issue 14: hangs, exception names, leaks and lenient parsing, one regression test per reported item. */
class HostileInputTest {
    @TempDir
    Path tmp;
    Path model;

    @BeforeEach
    void setUp() throws IOException {
        model = Hostile.tinyModel(tmp, "m.onnx");
    }

    static CliRun run(String... args) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRun.of(args));
    }

    private Path fifo(String name) throws Exception {
        Path p = tmp.resolve(name);
        assertEquals(0, new ProcessBuilder("mkfifo", p.toString()).start().waitFor());
        return p;
    }

    // ------------------------------------------------------------------ hangs

    @Test
    void fifosAsPlanDataOrCalibrationAreRefusedAtOnce() throws Exception {
        Path f = fifo("pipe.csv");
        Path out = tmp.resolve("o.onnx");
        for (String[] args : new String[][] {
                {"prune", model.toString(), "-o", out.toString(), "--plan", f.toString()},
                {"prune", model.toString(), "-o", out.toString(), "--ratio", "0.3", "--criterion", "apoz", "--calibration", f.toString()},
                {"eval", model.toString(), "--data", f.toString()},
                {"inspect", f.toString()}}) {
            CliRun r = run(args);
            assertOneLineFailure(r);
            assertTrue(r.err().contains("not a regular file"), r.err());
        }
        Hostile.assertMissing(out);
    }

    static ModelProto nestedIfs(int depth) {
        GraphProto leaf = GraphProto.newBuilder().setName("leaf")
                .addNode(NodeProto.newBuilder().setOpType("Identity").addInput("x").addOutput("y" + depth))
                .addOutput(value("y" + depth, new long[] {1})).build();
        GraphProto body = leaf;
        for (int d = depth - 1; d >= 0; d--) {
            NodeProto ifNode = NodeProto.newBuilder().setOpType("If").setName("if" + d).addInput("c").addOutput("y" + d)
                    .addAttribute(AttributeProto.newBuilder().setName("then_branch").setType(AttributeProto.AttributeType.GRAPH).setG(body))
                    .addAttribute(AttributeProto.newBuilder().setName("else_branch").setType(AttributeProto.AttributeType.GRAPH).setG(leaf))
                    .build();
            GraphProto.Builder g = GraphProto.newBuilder().setName("g" + d).addNode(ifNode).addOutput(value("y" + d, new long[] {1}));
            if (d == 0) {
                g.addInput(ValueInfoProto.newBuilder().setName("c").setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.BOOL_VALUE).setShape(TensorShapeProto.newBuilder()))));
                g.addInput(value("x", new long[] {1}));
            }
            body = g.build();
        }
        return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13))
                .setGraph(body).build();
    }

    static ValueInfoProto value(String name, long[] dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }

    @Test
    void deeplyNestedSubgraphsAreRefusedBeforeOnnxRuntimeSeesThem() throws Exception {
        Path deep = Files.write(tmp.resolve("deep.onnx"), nestedIfs(28).toByteArray());
        for (String cmd : new String[] {"inspect", "groups", "eval"}) {
            CliRun r = run(cmd, deep.toString());
            assertOneLineFailure(r);
            assertTrue(r.err().contains("nested more than 16 deep"), r.err());
        }
        CliRun r = run("prune", deep.toString(), "--ratio", "0.3", "-o", tmp.resolve("o.onnx").toString());
        assertOneLineFailure(r);
        assertTrue(r.err().contains("nested more than 16 deep"), r.err());
        // a shallow nest is still read
        Path shallow = Files.write(tmp.resolve("shallow.onnx"), nestedIfs(3).toByteArray());
        assertEquals(0, run("inspect", shallow.toString()).code());
    }

    @Test
    void timeLimitStopsSlowOnnxRuntimeWork() throws Exception {
        // depth 14 passes the nesting bound; at a 0.05 s limit ONNX Runtime cannot load it in time
        Path deep = Files.write(tmp.resolve("deep14.onnx"), nestedIfs(14).toByteArray());
        CliRun r = run("eval", deep.toString(), "--timeout", "0.001");
        assertOneLineFailure(r);
        assertTrue(r.err().contains("did not finish within 0.001 s (the limit is set with --timeout SECONDS)"), r.err());
        CliRun bad = run("eval", deep.toString(), "--timeout", "0");
        assertEquals(2, bad.code(), bad.err());
        Hostile.assertOneLine(bad);
    }

    // ------------------------------------------------------------------ exception names

    @Test
    void hugeDimsAreOneLineErrors() throws Exception {
        // an input dim of 2^63-1
        ModelProto p = ModelProto.parseFrom(Files.readAllBytes(model));
        GraphProto.Builder g = p.getGraph().toBuilder();
        g.setInput(0, value("x", new long[] {Long.MAX_VALUE, 3, 8, 8}));
        Path big = Files.write(tmp.resolve("big.onnx"), p.toBuilder().setGraph(g).build().toByteArray());
        for (String cmd : new String[] {"inspect", "groups", "eval"}) {
            CliRun r = run(cmd, big.toString());
            Hostile.assertOneLine(r);
        }
        Hostile.assertOneLine(run("prune", big.toString(), "--ratio", "0.3", "-o", tmp.resolve("o.onnx").toString()));
        // an initializer whose dims overflow when multiplied
        g = p.getGraph().toBuilder();
        TensorProto w = g.getInitializer(0);
        g.setInitializer(0, w.toBuilder().clearDims().addDims(1L << 32).addDims(1L << 32).addDims(3).addDims(3));
        Path overflow = Files.write(tmp.resolve("ovf.onnx"), p.toBuilder().setGraph(g).build().toByteArray());
        for (String cmd : new String[] {"inspect", "groups"}) Hostile.assertOneLineFailure(run(cmd, overflow.toString()));
        Hostile.assertOneLineFailure(run("prune", overflow.toString(), "--ratio", "0.3", "-o", tmp.resolve("o.onnx").toString()));
        Hostile.assertMissing(tmp.resolve("o.onnx"));
    }

    @Test
    void nonFiniteAndExoticCsvCellsAreRefusedWithFileAndRow() throws Exception {
        Path good = Hostile.csv(tmp, "d.csv", 4, 1);
        String text = Files.readString(good);
        for (String cell : new String[] {"NaN", "1e999", "0x1p-3", "Infinity", "-inf", "1f"}) {
            Path bad = Files.writeString(tmp.resolve("bad.csv"), text.replaceFirst(",0\\.\\d+,", "," + cell + ","));
            CliRun r = run("prune", model.toString(), "--ratio", "0.3", "--criterion", "mean-activation", "--calibration", bad.toString(),
                    "-o", tmp.resolve("o.onnx").toString());
            assertOneLineFailure(r);
            assertTrue(r.err().contains(bad + " row 1 column "), r.err());
            r = run("eval", model.toString(), "--data", bad.toString());
            assertOneLineFailure(r);
            assertTrue(r.err().contains(bad + " row 1 column "), r.err());
        }
        Hostile.assertMissing(tmp.resolve("o.onnx"));
    }

    @Test
    void nonFiniteNpyValuesAreRefusedWithTheSample() throws Exception {
        float[] v = new float[2 * 192];
        v[192 + 5] = Float.NaN;
        Path npy = npy(tmp.resolve("x.npy"), v, 2, 3, 8, 8);
        CliRun r = run("eval", model.toString(), "--data", npy.toString());
        assertOneLineFailure(r);
        assertTrue(r.err().contains(npy + " sample 1: value NaN is not a finite number"), r.err());
    }

    static Path npy(Path p, float[] v, long... shape) throws IOException {
        StringBuilder s = new StringBuilder("(");
        for (long d : shape) s.append(d).append(", ");
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + s.append(")") + ", }";
        while ((10 + header.length() + 1) % 64 != 0) header += " ";
        header += "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes()).put((byte) 1).put((byte) 0).putShort((short) header.length()).put(header.getBytes());
        for (float f : v) b.putFloat(f);
        return Files.write(p, b.array());
    }

    @Test
    void zeroOrHugeInputShapesAreUsageErrors() {
        for (String shape : new String[] {"x=0,3,8,8", "x=1,3,0,8", "x=9223372036854775807,3,8,8", "x=-1,3,8,8"}) {
            for (String cmd : new String[] {"eval", "groups", "prune"}) {
                CliRun r = cmd.equals("prune") ? run(cmd, model.toString(), "--ratio", "0.3", "-o", tmp.resolve("o.onnx").toString(),
                        "--input-shape", shape) : run(cmd, model.toString(), "--input-shape", shape);
                assertOneLineFailure(r);
            }
        }
    }

    // ------------------------------------------------------------------ plans

    @Test
    void hostilePlansAreRefusedStrictly() throws Exception {
        Path plan = tmp.resolve("p.json");
        assertEquals(0, run("prune", model.toString(), "--ratio", "0.5", "--round-to", "1", "--save-plan", plan.toString()).code());
        String good = Files.readString(plan);
        String[][] cases = {
                {"\"version\" : 1", "\"version\" : \"1\"", "schema version \"1\""},
                {"\"version\" : 1", "\"version\" : 1.5", "schema version 1.5"},
                {"\"criterion\" : \"l1\"", "\"criterion\" : \"nonsense\"", "unknown criterion"},
                {"\"value\" : 0.5", "\"value\" : \"abc\"", "settings.target.value must be a number"},
                {"\"roundTo\" : 1", "\"roundTo\" : 0", "settings.roundTo must be an integer >= 1"},
                {"\"kept\" : [", "\"kept\" : {\"a\": 1}, \"x\" : [", "\"kept\" must be a list"},
                {"\"kept\" : [ 0,", "\"kept\" : [ 0.5,", "not an integer: 0.5"},
                {"\"kept\" : [ 0,", "\"kept\" : [ 1, 0,", "sorted and unique"},
                {"\"kept\" : [ 0,", "\"kept\" : [ 999, 0,", "out of range"},
        };
        for (String[] c : cases) {
            assertTrue(good.contains(c[0]), c[0] + " not in " + good);
            Files.writeString(plan, good.replaceFirst(java.util.regex.Pattern.quote(c[0]), java.util.regex.Matcher.quoteReplacement(c[1])));
            CliRun r = run("prune", model.toString(), "--plan", plan.toString(), "-o", tmp.resolve("o.onnx").toString());
            assertOneLineFailure(r);
            assertTrue(r.err().contains(c[2]), c[1] + " → " + r.err());
        }
        Files.writeString(plan, good + "\n{\"more\": 1}");
        CliRun r = run("prune", model.toString(), "--plan", plan.toString(), "-o", tmp.resolve("o.onnx").toString());
        assertOneLineFailure(r);
        assertTrue(r.err().contains("is not valid JSON"), r.err());
        Hostile.assertMissing(tmp.resolve("o.onnx"));
    }

    // ------------------------------------------------------------------ security

    @Test
    void externalDataSymlinksLeavingTheFolderAreRefusedWithoutDisclosingTheTarget() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("model"));
        Path secret = Files.writeString(tmp.resolve("secret.bin"), "x".repeat(12345));
        Files.createSymbolicLink(dir.resolve("w.bin"), secret);
        ModelProto p = ModelProto.parseFrom(Files.readAllBytes(model));
        GraphProto.Builder g = p.getGraph().toBuilder();
        TensorProto w = g.getInitializer(0);
        g.setInitializer(0, w.toBuilder().clearRawData().clearFloatData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin")));
        Path m = Files.write(dir.resolve("m.onnx"), p.toBuilder().setGraph(g).build().toByteArray());
        for (String cmd : new String[] {"inspect", "groups", "eval"}) {
            CliRun r = run(cmd, m.toString());
            assertOneLineFailure(r);
            assertTrue(r.err().contains("symbolic link that leads outside the model's folder"), r.err());
            assertFalse(r.err().contains("12345"), r.err());
        }
        CliRun r = run("prune", m.toString(), "--ratio", "0.3", "-o", tmp.resolve("o.onnx").toString());
        assertOneLineFailure(r);
        assertFalse(r.err().contains("12345"), r.err());
        // an offset of 2^63-1 is refused, not overflowed
        g.setInitializer(0, g.getInitializer(0).toBuilder().clearExternalData()
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("in.bin"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(Long.MAX_VALUE))));
        Files.write(dir.resolve("in.bin"), new byte[1024]);
        Files.write(m, p.toBuilder().setGraph(g).build().toByteArray());
        for (String cmd : new String[] {"inspect", "groups"}) assertOneLineFailure(run(cmd, m.toString()));
    }

    // ------------------------------------------------------------------ one line

    @Test
    void namesWithNewlinesStayOnOneLineAndUsageErrorsAreOneLineWithAHint() throws Exception {
        Path odd = Files.copy(model, tmp.resolve("a\nb.onnx"));
        CliRun r = run("prune", odd.toString(), "--plan", tmp.resolve("no\nplan.json").toString(), "-o", tmp.resolve("x.onnx").toString());
        Hostile.assertOneLine(r);
        assertTrue(r.err().contains("a\\nb.onnx") || r.err().contains("no\\nplan"), r.err());
        r = run("prune", model.toString(), "--bogus");
        assertEquals(2, r.code());
        Hostile.assertOneLine(r);
        assertTrue(r.err().endsWith("(try 'lopper prune --help')\n"), r.err());
        r = run("eval");
        assertEquals(2, r.code());
        Hostile.assertOneLine(r);
        r = run("prune", model.toString(), "--ratio", "abc", "-o", "x.onnx");
        assertEquals(2, r.code());
        Hostile.assertOneLine(r);
    }

    @Test
    void inputsKeepTheirBytes() throws Exception {
        String before = sha256(model);
        run("prune", model.toString(), "--ratio", "0.3", "-o", tmp.resolve("o.onnx").toString());
        assertEquals(before, sha256(model));
    }
}
