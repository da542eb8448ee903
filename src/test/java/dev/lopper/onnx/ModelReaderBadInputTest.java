package dev.lopper.onnx;

import static dev.lopper.onnx.TestModels.in;
import static dev.lopper.onnx.TestModels.model;
import static dev.lopper.onnx.TestModels.mlp;
import static dev.lopper.onnx.TestModels.node;
import static dev.lopper.onnx.TestModels.value;
import static dev.lopper.onnx.TestModels.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.OperatorSetIdProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/** Every kind of bad input gives one line "cannot read FILE: REASON". */
class ModelReaderBadInputTest {
    @TempDir
    Path dir;

    private static String fail(Path p) {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelReader.read(p));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.startsWith("cannot read " + p + ": "), m);
        assertEquals(m, "cannot read " + p + ": " + e.reason());
        return e.reason();
    }

    @Test
    void validModelReads() throws Exception {
        Path p = write(dir, "ok.onnx", model(mlp().build()));
        OnnxModel m = ModelReader.read(p);
        assertEquals(4, m.proto().getGraph().getNodeCount());
    }

    @Test
    void truncatedFile() throws Exception {
        byte[] b = model(mlp().build()).toByteArray();
        Path p = dir.resolve("truncated.onnx");
        Files.write(p, Arrays.copyOf(b, b.length / 2));
        assertEquals("file is truncated or not an ONNX model (protobuf data ends in the middle of a field)", fail(p));
    }

    @Test
    void truncatedBetweenFields() throws Exception {
        // ModelProto writes the graph (field 7) before opset_import (field 8): cut right after the graph.
        ModelProto m = model(mlp().build());
        byte[] all = m.toByteArray();
        byte[] withoutOpsets = m.toBuilder().clearOpsetImport().build().toByteArray();
        assertEquals(0, Arrays.compare(withoutOpsets, Arrays.copyOf(all, withoutOpsets.length)));
        Path p = dir.resolve("cut.onnx");
        Files.write(p, withoutOpsets);
        assertEquals("model declares IR version 8 but imports no operator set (is the file truncated?)", fail(p));
    }

    @Test
    void randomBytes() throws Exception {
        byte[] b = new byte[4096];
        new Random(42).nextBytes(b);
        Path p = dir.resolve("random.onnx");
        Files.write(p, b);
        assertTrue(fail(p).contains("not an ONNX model"));
    }

    @Test
    void otherModelFormatsAreNamed() throws Exception {
        Path zip = dir.resolve("model.pt");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new java.util.zip.ZipEntry("archive/data.pkl"));
            out.write(new byte[] {(byte) 0x80, 2, 'N', '.'});
            out.closeEntry();
        }
        assertEquals("not an ONNX model (it is a ZIP archive, e.g. a PyTorch checkpoint; export it with torch.onnx.export)", fail(zip));
        Path json = dir.resolve("config.onnx");
        Files.writeString(json, "{\"hidden_size\": 768}");
        assertEquals("not an ONNX model (it looks like a JSON file)", fail(json));
    }

    @Test
    void serializedTensorIsNotAModel() throws Exception {
        TensorProto t = Tensors.ofFloats("w", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
        Path p = dir.resolve("tensor.pb");
        Files.write(p, t.toByteArray());
        assertEquals("not an ONNX model (its protobuf fields do not match the ONNX model schema)", fail(p));
    }

    @Test
    void serializedGraphIsNotAModel() throws Exception {
        Path p = dir.resolve("graph.pb");
        Files.write(p, mlp().build().toByteArray());
        assertTrue(fail(p).startsWith("not an ONNX model"));
    }

    @Test
    void protobufWithoutGraphOrOpsets() throws Exception {
        // A protobuf whose fields happen to fit ModelProto (here: a TensorProto with only dims and a name
        // field number the model does not use) is still not a model.
        TensorProto t = TensorProto.newBuilder().addDims(3).addDims(4).setDocString("a tensor").build();
        Path p = dir.resolve("dims.pb");
        Files.write(p, t.toByteArray());
        assertEquals("not an ONNX model (the protobuf has no graph and no opset imports; is it a tensor or "
                + "another kind of protobuf file?)", fail(p));
    }

    @Test
    void modelWithoutGraph() throws Exception {
        ModelProto m = ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).build();
        assertEquals("model has no graph", fail(write(dir, "nograph.onnx", m)));
    }

    @Test
    void missingExternalDataFile() throws Exception {
        Path p = TestModels.writeExternal(dir, "ext.onnx", "weights.bin");
        Files.delete(dir.resolve("weights.bin"));
        assertEquals("external data file 'weights.bin' for tensor 'W1' is missing", fail(p));
    }

    @Test
    void externalDataFileTooShort() throws Exception {
        Path p = TestModels.writeExternal(dir, "ext.onnx", "weights.bin");
        Path data = dir.resolve("weights.bin");
        byte[] all = Files.readAllBytes(data);
        assertEquals(128 + 32 + 96, all.length);
        Files.write(data, Arrays.copyOf(all, all.length - 1));
        assertEquals("external data file 'weights.bin' is too short for tensor 'W2' (needs bytes 160..256, file has 255)",
                fail(p));
    }

    @Test
    void externalDataWithoutLengthTooShort() throws Exception {
        GraphProto.Builder g = mlp();
        g.setInitializer(0, TestModels.external(g.getInitializer(0), "w.bin", 64, -1));
        Files.write(dir.resolve("w.bin"), new byte[100]);
        Path p = write(dir, "ext.onnx", model(g.build()));
        assertEquals("external data file 'w.bin' is too short for tensor 'W1' (needs bytes 64..192, file has 100)", fail(p));
    }

    @Test
    void externalDataOutsideModelFolder() throws Exception {
        GraphProto.Builder g = mlp();
        g.setInitializer(0, TestModels.external(g.getInitializer(0), "../w.bin", 0, 128));
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Files.write(dir.resolve("w.bin"), new byte[128]);
        Path p = write(sub, "ext.onnx", model(g.build()));
        assertEquals("external data location '../w.bin' points outside the model's folder", fail(p));
    }

    @Test
    void externalLengthDisagreesWithShape() throws Exception {
        GraphProto.Builder g = mlp();
        g.setInitializer(0, TestModels.external(g.getInitializer(0), "w.bin", 0, 100));
        Files.write(dir.resolve("w.bin"), new byte[128]);
        Path p = write(dir, "ext.onnx", model(g.build()));
        assertEquals("tensor 'W1' declares 100 bytes of external data but float[4,8] needs 128", fail(p));
    }

    @Test
    void graphCycle() throws Exception {
        GraphProto g = GraphProto.newBuilder()
                .addInput(value("x", 1, 1))
                .addOutput(value("t2", 1, 1))
                .addNode(node("a", "Add", in("x", "t2"), "t1"))
                .addNode(node("b", "Relu", in("t1"), "t2"))
                .build();
        assertEquals("graph has a cycle through node 'a'", fail(write(dir, "cycle.onnx", model(g))));
    }

    @Test
    void duplicateGraphOutput() throws Exception {
        GraphProto g = mlp().addOutput(value("y", 1, 1, 3)).build();
        assertEquals("graph output 'y' is declared twice", fail(write(dir, "dupout.onnx", model(g))));
    }

    @Test
    void tensorProducedTwice() throws Exception {
        GraphProto g = mlp().addNode(node("again", "Relu", in("x"), "h")).build();
        assertEquals("tensor 'h' is produced twice (by nodes 'mm1' and 'again')", fail(write(dir, "dup.onnx", model(g))));
    }

    @Test
    void nodeOverwritesInitializer() throws Exception {
        GraphProto g = mlp().addNode(node("over", "Relu", in("x"), "b1")).build();
        assertEquals("tensor 'b1' is produced twice (node 'over' writes a graph input or initializer of that name)",
                fail(write(dir, "dup2.onnx", model(g))));
    }

    @Test
    void nodeReadsUndefinedTensor() throws Exception {
        GraphProto g = mlp().setNode(1, node("add1", "Add", in("h", "nope"), "hb")).build();
        assertEquals("node 'add1' reads undefined tensor 'nope'", fail(write(dir, "undef.onnx", model(g))));
    }

    @Test
    void unnamedNodeIsNamedByOpAndIndex() throws Exception {
        GraphProto g = mlp().setNode(1, node("", "Add", in("h", "nope"), "hb")).build();
        assertEquals("node 'Add#1' reads undefined tensor 'nope'", fail(write(dir, "undef2.onnx", model(g))));
    }

    @Test
    void subgraphMayReadOuterScope() throws Exception {
        // If(cond) { then: Identity(h) ; else: Neg(h) } where h comes from the main graph.
        GraphProto thenG = GraphProto.newBuilder().setName("then")
                .addNode(node("id", "Identity", in("h"), "o1")).addOutput(value("o1", 1, 1, 8)).build();
        GraphProto elseG = GraphProto.newBuilder().setName("else")
                .addNode(node("neg", "Neg", in("h"), "o2")).addOutput(value("o2", 1, 1, 8)).build();
        NodeProto ifNode = node("if", "If", in("cond"), "z").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("then_branch").setType(AttributeProto.AttributeType.GRAPH).setG(thenG))
                .addAttribute(AttributeProto.newBuilder().setName("else_branch").setType(AttributeProto.AttributeType.GRAPH).setG(elseG))
                .build();
        GraphProto g = mlp().addInput(value("cond", 9)).addNode(ifNode).addOutput(value("z", 1, 1, 8)).build();
        OnnxModel m = ModelReader.read(write(dir, "if.onnx", model(g)));
        assertEquals(5, m.proto().getGraph().getNodeCount());
    }

    @Test
    void unknownElementTypeOnInitializer() throws Exception {
        GraphProto.Builder g = mlp();
        g.setInitializer(1, g.getInitializer(1).toBuilder().setDataType(99));
        assertEquals("initializer 'b1' has an unknown element type (99)", fail(write(dir, "type.onnx", model(g.build()))));
    }

    @Test
    void unknownElementTypeOnInput() throws Exception {
        GraphProto g = mlp().setInput(0, value("x", 77, 1, 4)).build();
        assertEquals("graph input 'x' has an unknown element type (77)", fail(write(dir, "type2.onnx", model(g))));
    }

    @Test
    void initializerDataSizeMismatch() throws Exception {
        GraphProto.Builder g = mlp();
        g.setInitializer(0, g.getInitializer(0).toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(new byte[12])));
        assertEquals("initializer 'W1' has 12 bytes of data but float[4,8] needs 128",
                fail(write(dir, "size.onnx", model(g.build()))));
    }

    @Test
    void emptyFile() throws IOException {
        Path p = Files.createFile(dir.resolve("empty.onnx"));
        assertEquals("file is empty", fail(p));
    }

    @Test
    void directory() throws IOException {
        Path p = Files.createDirectory(dir.resolve("folder.onnx"));
        assertEquals("is a directory, not an ONNX file", fail(p));
    }

    @Test
    void nonExistentPath() {
        assertEquals("no such file", fail(dir.resolve("missing.onnx")));
    }

    @Test
    void relativePathIsReportedAsGiven() throws Exception {
        Path rel = Path.of("target", "does-not-exist-" + System.nanoTime() + ".onnx");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelReader.read(rel));
        assertEquals("cannot read " + rel + ": no such file", e.getMessage());
    }
}
