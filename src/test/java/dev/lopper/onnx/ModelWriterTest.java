package dev.lopper.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.task.CancelledException;
import dev.lopper.task.Progress;

class ModelWriterTest {
    @TempDir
    Path dir;

    static final Path MODELS = Path.of("src", "test", "resources", "models");
    static final String MINILM = "classpath:all-minilm-l6-v2.onnx";

    /** Every model under src/test/resources/models, a real exported transformer, and models built here. */
    static Stream<String> inlineModels() throws IOException {
        List<String> out = new ArrayList<>();
        if (Files.isDirectory(MODELS)) {
            try (Stream<Path> s = Files.walk(MODELS)) {
                s.filter(p -> p.toString().endsWith(".onnx")).sorted().forEach(p -> out.add(p.toString()));
            }
        }
        out.add(MINILM);
        out.add("built:mlp");
        out.add("built:typed");
        return out.stream();
    }

    private Path materialize(String id) throws IOException {
        if (id.startsWith("classpath:")) {
            String res = id.substring("classpath:".length());
            Path p = dir.resolve(res);
            try (InputStream in = ModelWriterTest.class.getResourceAsStream("/" + res)) {
                assertNotNull(in, res + " is on the test classpath");
                Files.copy(in, p);
            }
            return p;
        }
        if (id.equals("built:mlp")) return TestModels.write(dir, "mlp.onnx", TestModels.model(TestModels.mlp().build()));
        if (id.equals("built:typed")) {
            GraphProto.Builder g = TestModels.mlp();
            TensorProto.Builder w = g.getInitializer(0).toBuilder().clearRawData();
            for (float f : TestModels.ramp(32, 0.125f)) w.addFloatData(f);
            g.setInitializer(0, w);
            return TestModels.write(dir, "typed.onnx", TestModels.model(g.setDocString("doc").build()));
        }
        return Path.of(id);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inlineModels")
    void unchangedInlineModelIsReproducedByteForByte(String id) throws Exception {
        Path in = materialize(id);
        OnnxModel m = ModelReader.read(in);
        boolean external = !m.externalDataFiles().isEmpty();
        Path out = dir.resolve("copy.onnx");
        ModelWriter.Result r = ModelWriter.write(m, out);
        if (!external) {
            assertEquals(-1L, Files.mismatch(in, out), id + " differs after a read/write round trip");
            assertNull(r.externalData());
        } else {
            assertTensorsEqual(m, ModelReader.read(out));
        }
        assertOnlyFiles(dir, in.startsWith(dir) ? in.getFileName().toString() : null, "copy.onnx",
                external ? "copy.onnx.data" : null);
    }

    private static void assertOnlyFiles(Path dir, String... names) throws IOException {
        List<String> want = new ArrayList<>();
        for (String n : names) if (n != null) want.add(n);
        try (Stream<Path> s = Files.list(dir)) {
            List<String> have = s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp") || want.contains(n)
                    || n.startsWith(".")).sorted().toList();
            assertEquals(want.stream().sorted().toList(), have, "no temporary files left behind");
        }
    }

    static void assertTensorsEqual(OnnxModel a, OnnxModel b) throws Exception {
        List<TensorProto> ta = new ArrayList<>();
        List<TensorProto> tb = new ArrayList<>();
        TensorWalker.forEach(a.proto(), ta::add);
        TensorWalker.forEach(b.proto(), tb::add);
        assertEquals(ta.size(), tb.size());
        for (int i = 0; i < ta.size(); i++) {
            assertEquals(ta.get(i).getName(), tb.get(i).getName());
            assertEquals(ta.get(i).getDataType(), tb.get(i).getDataType());
            assertEquals(ta.get(i).getDimsList(), tb.get(i).getDimsList());
            if (ElementType.bits(ta.get(i).getDataType()) > 0) {
                assertArrayEquals(a.tensor(ta.get(i)).toFloatArray(), b.tensor(tb.get(i)).toFloatArray(), ta.get(i).getName());
            }
        }
    }

    @Test
    void externalDataModelReproducesEqualTensorsAlignedAndRelative() throws Exception {
        Path in = TestModels.writeExternal(dir, "ext.onnx", "weights.bin");
        OnnxModel m = ModelReader.read(in);
        Path sub = Files.createDirectory(dir.resolve("out"));
        ModelWriter.Result r = ModelWriter.write(m, sub.resolve("pruned.onnx"));
        assertEquals(sub.resolve("pruned.onnx.data"), r.externalData());
        assertEquals(3, r.externalTensors());
        // 128 bytes, then 32 at 128, then 96 at 192 (160 rounded up to 64): 288 bytes
        assertEquals(288, r.externalBytes());
        assertEquals(288, Files.size(r.externalData()));
        OnnxModel back = ModelReader.read(r.model());
        long[] offsets = new long[3];
        for (int i = 0; i < 3; i++) {
            TensorProto t = back.proto().getGraph().getInitializer(i);
            ExternalDataRef ref = ExternalDataRef.of(r.model(), t);
            assertEquals("pruned.onnx.data", ref.location());
            assertEquals(0, ref.offset() % 64);
            offsets[i] = ref.offset();
        }
        assertArrayEquals(new long[] {0, 128, 192}, offsets);
        assertTensorsEqual(m, back);
        // the external bytes are the input's bytes
        byte[] src = Files.readAllBytes(dir.resolve("weights.bin"));
        byte[] dst = Files.readAllBytes(r.externalData());
        assertArrayEquals(java.util.Arrays.copyOfRange(src, 160, 256), java.util.Arrays.copyOfRange(dst, 192, 288));
        // writing it again (from the written, already aligned model) gives the same data file
        ModelWriter.write(back, dir.resolve("again.onnx"));
        assertEquals(-1L, Files.mismatch(r.externalData(), dir.resolve("again.onnx.data")));
    }

    @Test
    void thresholdMovesLargeTensorsOut() throws Exception {
        OnnxModel m = ModelReader.read(TestModels.write(dir, "m.onnx", TestModels.model(TestModels.mlp().build())));
        ModelWriter.Result r = ModelWriter.write(m, m.proto(), dir.resolve("t.onnx"),
                ModelWriter.Options.DEFAULT.withExternalThreshold(96));
        assertEquals(2, r.externalTensors()); // W1 (128 bytes) and W2 (96); b1 (32) stays inline
        OnnxModel back = ModelReader.read(r.model());
        GraphProto g = back.proto().getGraph();
        assertTrue(OnnxModel.isExternal(g.getInitializer(0)));
        assertFalse(OnnxModel.isExternal(g.getInitializer(1)));
        assertTrue(OnnxModel.isExternal(g.getInitializer(2)));
        assertTensorsEqual(m, back);
    }

    @Test
    void typedTensorsGoOutAsRawBytes() throws Exception {
        OnnxModel m = ModelReader.read(materialize("built:typed"));
        ModelWriter.Result r = ModelWriter.write(m, m.proto(), dir.resolve("t.onnx"),
                ModelWriter.Options.DEFAULT.withExternalThreshold(0));
        assertEquals(3, r.externalTensors());
        assertTensorsEqual(m, ModelReader.read(r.model()));
    }

    @Test
    void modelsOverTheProtobufLimitSpillTensorsToExternalData() throws Exception {
        GraphProto.Builder g = TestModels.mlp();
        g.addInitializer(Tensors.ofFloats("big1", new long[] {64, 64}, TestModels.ramp(4096, 0.01f)));
        g.addInitializer(Tensors.ofFloats("big2", new long[] {32, 64}, TestModels.ramp(2048, 0.02f)));
        OnnxModel m = ModelReader.read(TestModels.write(dir, "m.onnx", TestModels.model(g.build())));
        long limit = 20_000; // stands in for 2 GB: the model is ~25 KB
        assertTrue(m.proto().getSerializedSize() > limit);
        ModelWriter.Result r = ModelWriter.write(m, m.proto(), dir.resolve("s.onnx"), new ModelWriter.Options(-1, limit));
        assertEquals(2, r.externalTensors()); // the two tensors of >= 1024 bytes; the small ones stay inline
        assertTrue(Files.size(r.model()) <= limit);
        assertTensorsEqual(m, ModelReader.read(r.model()));
        // under the limit nothing moves
        ModelWriter.Result r2 = ModelWriter.write(m, m.proto(), dir.resolve("u.onnx"), new ModelWriter.Options(-1, 1 << 20));
        assertNull(r2.externalData());
        // a limit nothing can meet is an error, and leaves nothing behind
        ModelWriteException e = assertThrows(ModelWriteException.class, () -> ModelWriter.write(m, m.proto(),
                dir.resolve("v.onnx"), new ModelWriter.Options(-1, 100)));
        assertEquals("cannot write " + dir.resolve("v.onnx") + ": model is larger than 2 GB even with its tensors in external data",
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("v.onnx")));
        assertFalse(Files.exists(dir.resolve("v.onnx.data")));
    }

    @Test
    void editedModelWritesAndReadsBack() throws Exception {
        Path in = TestModels.writeExternal(dir, "ext.onnx", "w.bin");
        OnnxModel m = ModelReader.read(in);
        GraphProto.Builder g = m.proto().getGraph().toBuilder();
        g.setInitializer(0, Tensors.slice(m, g.getInitializer(0), 1, new int[] {0, 1, 2, 3, 4, 5, 6}));
        g.setInitializer(1, Tensors.slice(m, g.getInitializer(1), 0, new int[] {0, 1, 2, 3, 4, 5, 6}));
        g.setInitializer(2, Tensors.slice(m, g.getInitializer(2), 0, new int[] {0, 1, 2, 3, 4, 5, 6}));
        ModelProto edited = m.proto().toBuilder().setGraph(g).build();
        ModelWriter.Result r = ModelWriter.write(m, edited, dir.resolve("cut.onnx"), ModelWriter.Options.DEFAULT);
        assertNull(r.externalData()); // sliced tensors come back inline; nothing forces them out
        OnnxModel back = ModelReader.read(r.model());
        float[] w2 = TestModels.ramp(24, -0.25f);
        assertArrayEquals(java.util.Arrays.copyOf(w2, 21), back.tensor(back.proto().getGraph().getInitializer(2)).toFloatArray());
    }

    // ------------------------------------------------------------------ never over the input

    private String refusal(OnnxModel m, Path target) {
        ModelWriteException e = assertThrows(ModelWriteException.class, () -> ModelWriter.write(m, target));
        assertFalse(e.getMessage().contains("\n"));
        return e.getMessage();
    }

    @Test
    void refusesToWriteOverTheInput() throws Exception {
        Path in = TestModels.write(dir, "m.onnx", TestModels.model(TestModels.mlp().build()));
        byte[] before = Files.readAllBytes(in);
        OnnxModel m = ModelReader.read(in);
        assertEquals("cannot write " + in + ": refusing to write over the input model " + in, refusal(m, in));
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path dotted = sub.resolve("..").resolve("m.onnx");
        assertTrue(refusal(m, dotted).contains("refusing to write over the input model"));
        Path link = Files.createSymbolicLink(dir.resolve("link.onnx"), in);
        assertTrue(refusal(m, link).contains("refusing to write over the input model"));
        Path dirLink = Files.createSymbolicLink(dir.resolve("dirlink"), dir);
        assertTrue(refusal(m, dirLink.resolve("m.onnx")).contains("refusing to write over the input model"));
        Path hard = Files.createLink(dir.resolve("hard.onnx"), in);
        assertTrue(refusal(m, hard).contains("refusing to write over the input model"));
        // reading through a link and writing to the real name is refused too
        OnnxModel viaLink = ModelReader.read(link);
        assertTrue(refusal(viaLink, in).contains("refusing to write over the input model"));
        assertArrayEquals(before, Files.readAllBytes(in));
        // a target that does not exist yet, in a folder reached through a link, is fine
        ModelWriter.write(m, dirLink.resolve("fresh.onnx"));
        assertEquals(-1L, Files.mismatch(in, dir.resolve("fresh.onnx")));
    }

    @Test
    void refusesToOverwriteTheInputsExternalData() throws Exception {
        Path in = TestModels.writeExternal(dir, "ext.onnx", "out.onnx.data");
        OnnxModel m = ModelReader.read(in);
        byte[] data = Files.readAllBytes(dir.resolve("out.onnx.data"));
        assertEquals("cannot write " + dir.resolve("out.onnx") + ": its external data file out.onnx.data would "
                + "overwrite the input model's external data file " + dir.resolve("out.onnx.data").toRealPath(),
                refusal(m, dir.resolve("out.onnx")));
        assertTrue(refusal(m, dir.resolve("out.onnx.data")).contains("refusing to write over the input model's external data file"));
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("out.onnx.data")));
        assertFalse(Files.exists(dir.resolve("out.onnx")));
    }

    @Test
    void missingFolderIsAClearError() throws Exception {
        OnnxModel m = ModelReader.read(TestModels.write(dir, "m.onnx", TestModels.model(TestModels.mlp().build())));
        Path target = dir.resolve("nope").resolve("x.onnx");
        ModelWriteException e = assertThrows(ModelWriteException.class, () -> ModelWriter.write(m, target));
        assertEquals("cannot write " + target + ": folder " + dir.resolve("nope") + " does not exist", e.getMessage());
    }

    @Test
    void replacesAnExistingOutputAtomically() throws Exception {
        OnnxModel m = ModelReader.read(TestModels.write(dir, "m.onnx", TestModels.model(TestModels.mlp().build())));
        Path out = dir.resolve("out.onnx");
        Files.writeString(out, "old contents");
        ModelWriter.write(m, out);
        assertEquals(-1L, Files.mismatch(m.path(), out));
        assertOnlyFiles(dir, "m.onnx", "out.onnx");
    }

    @Test
    void writtenFilesAreReadableLikeOrdinaryFiles() throws Exception {
        OnnxModel m = ModelReader.read(TestModels.writeExternal(dir, "ext.onnx", "w.bin"));
        ModelWriter.Result r = ModelWriter.write(m, dir.resolve("p.onnx"));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(r.model())));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(r.externalData())));
        Files.setPosixFilePermissions(r.model(), java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
        ModelWriter.write(m, dir.resolve("p.onnx"));
        assertEquals("rw-rw----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(r.model())));
    }

    @Test
    void malformedTensorIsAOneLineWriteError() throws Exception {
        GraphProto.Builder g = TestModels.mlp();
        // float_data with the wrong number of values cannot be moved to external data
        g.setInitializer(0, g.getInitializer(0).toBuilder().clearRawData().addFloatData(1f));
        ModelProto bad = TestModels.model(g.build());
        ModelWriteException e = assertThrows(ModelWriteException.class, () -> ModelWriter.write(null, bad,
                dir.resolve("b.onnx"), ModelWriter.Options.DEFAULT.withExternalThreshold(0)));
        assertEquals("cannot write " + dir.resolve("b.onnx") + ": tensor 'W1' has 1 typed values, expected 32", e.getMessage());
        assertOnlyFiles(dir);
    }

    @Test
    void cancelledWriteLeavesNothing() throws Exception {
        OnnxModel m = ModelReader.read(TestModels.writeExternal(dir, "ext.onnx", "w.bin"));
        Progress cancelled = new Progress() {
            @Override
            public void update(String message, double done, double total) { }

            @Override
            public boolean isCancelled() { return true; }
        };
        assertThrows(CancelledException.class, () -> ModelWriter.write(m, m.proto(), dir.resolve("c.onnx"),
                ModelWriter.Options.DEFAULT, cancelled));
        assertOnlyFiles(dir, "ext.onnx", "w.bin");
    }

    @Test
    void externalTensorWithoutSourceIsRefused() throws Exception {
        OnnxModel m = ModelReader.read(TestModels.writeExternal(dir, "ext.onnx", "w.bin"));
        ModelWriteException e = assertThrows(ModelWriteException.class,
                () -> ModelWriter.write(null, m.proto(), dir.resolve("n.onnx"), ModelWriter.Options.DEFAULT));
        assertTrue(e.getMessage().endsWith("tensor 'W1' refers to external data but no source model was given"));
    }

    @Test
    void sha256IsStreamedOverTheFile() throws Exception {
        Path abc = dir.resolve("abc");
        Files.writeString(abc, "abc");
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ModelSha256.of(abc));
        Path big = dir.resolve("big");
        byte[] b = new byte[3 * (1 << 20) + 17];
        new java.util.Random(7).nextBytes(b);
        Files.write(big, b);
        String expect = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        assertEquals(expect, ModelSha256.of(big));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelSha256.of(dir.resolve("missing")));
        assertEquals("cannot read " + dir.resolve("missing") + ": no such file", e.getMessage());
    }

    static void copy(Path from, Path to) throws IOException {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
}
