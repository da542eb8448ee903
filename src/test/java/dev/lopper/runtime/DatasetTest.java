package dev.lopper.runtime;

import dev.lopper.eval.DataEvalResult;
import dev.lopper.eval.DataEvaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.task.Progress;

/**
 * Data set parsing. The .npy/.npz resources were written by numpy 2.4 (np.save / np.savez /
 * np.savez_compressed): x = arange(20).reshape(5, 4) / 4 as float32, y = [0, 1, 2, 3, 1] as int64;
 * xy_compressed.npz holds x as big-endian float64 and the labels as uint8 under the key "labels".
 */
class DatasetTest {
    @TempDir
    Path tmp;

    EvalSession identity;
    List<DataTarget> targets;

    @BeforeEach
    void open() {
        identity = EvalSession.open(ModelSource.of(TinyModels.diagonalMatMul(1, 1, 1, 1), null, "identity"), SessionConfig.DEFAULT);
        targets = DataTarget.of(identity.inputs(), ShapePolicy.DEFAULT);
    }

    @AfterEach
    void close() { identity.close(); }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(DatasetTest.class.getResource("/eval/" + name).toURI());
    }

    private Path csv(String text) throws IOException {
        Path p = tmp.resolve("rows.csv");
        Files.writeString(p, text);
        return p;
    }

    private DataEvalResult eval(Path data, DataOptions options) {
        try (Dataset d = Datasets.open(data, options, targets)) {
            return DataEvaluation.run(identity, null, d, 2, Progress.NONE);
        }
    }

    private static DataOptions labels(LabelColumn c) { return new DataOptions(c, null, ImageOptions.DEFAULT); }

    @Test
    void csvWithHeaderLabelFirstStreamsInBatches() throws Exception {
        Path p = csv("label,f0,f1,f2,f3\n3,0,0,0,1\n\n1,0,9,0,1\n2,0,0,5,6\n");
        try (Dataset d = Datasets.open(p, DataOptions.DEFAULT, targets)) {
            Batch b1 = d.next(2);
            assertEquals(2, b1.size());
            assertArrayEquals(new int[] {3, 1}, b1.labels());
            assertArrayEquals(new float[] {0, 0, 0, 1, 0, 9, 0, 1}, b1.inputs().get("x").toFloatArray());
            assertEquals(p + " row 4", b1.origins().get(1));
            Batch b2 = d.next(2);
            assertEquals(1, b2.size());
            assertArrayEquals(new long[] {1, 4}, b2.inputs().get("x").shape());
            assertNull(d.next(2));
        }
        DataEvalResult r = eval(p, DataOptions.DEFAULT);
        assertEquals(3, r.accuracy().samples());
        assertEquals(2, r.accuracy().top1Correct()); // rows 1 and 2 correct, row 3 argmax 3 != 2
        assertEquals(3, r.accuracy().top5Correct());
        assertEquals("y", r.accuracyOutput());
    }

    @Test
    void csvHeaderDetection() throws Exception {
        // pandas writes integer column names: only the label cell is text
        DataEvalResult pandas = eval(csv("label,0,1,2,3\n3,0,0,0,1\n"), DataOptions.DEFAULT);
        assertEquals(1, pandas.accuracy().samples());
        // a first data row with one bad cell is not a header
        Path p = csv("3,0,0,x,1\n3,0,0,0,1\n");
        EvalException e = assertThrows(EvalException.class, () -> eval(p, DataOptions.DEFAULT));
        assertEquals(p + " row 1 column 4: 'x' is not a number", e.getMessage());
    }

    @Test
    void csvLabelLastAndNone() throws Exception {
        DataEvalResult last = eval(csv("0,0,0,1,3\n5,0,0,1,0\n"), labels(LabelColumn.LAST));
        assertEquals(2, last.accuracy().top1Correct());
        DataEvalResult none = eval(csv("0,0,0,1\n5,0,0,1\n"), labels(LabelColumn.NONE));
        assertNull(none.accuracy());
        assertEquals(2, none.samples());
    }

    @Test
    void csvWrongFeatureCount() throws Exception {
        Path p = csv("1,0,0,0,1\n2,0,0,1\n");
        EvalException e = assertThrows(EvalException.class, () -> eval(p, DataOptions.DEFAULT));
        assertEquals(p + " row 2: 3 features, input 'x' float[batch,4] expects 4 (plus a label in the first column)", e.getMessage());
    }

    @Test
    void csvRowsFixAFreeSequenceAxisUnlessAShapeIsGiven() throws Exception {
        // a token model [batch, seq]: the default sequence length is 16, the file's rows hold 17 tokens
        TensorSpec ids = new TensorSpec("ids", 7, new long[] {-1, -1}, new String[] {"batch", "seq"});
        StringBuilder rows = new StringBuilder("label,t0\n");
        for (int r = 0; r < 3; r++) {
            rows.append(r % 2);
            for (int t = 0; t < 17; t++) rows.append(',').append(t + r);
            rows.append('\n');
        }
        Path p = csv(rows.toString());
        List<DataTarget> free = DataTarget.of(List.of(ids), ShapePolicy.DEFAULT);
        assertEquals(0, free.get(0).freeAxis());
        try (Dataset d = Datasets.open(p, DataOptions.DEFAULT, free)) {
            Batch b = d.next(2);
            assertArrayEquals(new long[] {2, 17}, b.inputs().get("ids").shape());
            assertEquals(1.0, b.inputs().get("ids").get(1), 0); // row 0, token 1
            assertArrayEquals(new long[] {1, 17}, d.next(2).inputs().get("ids").shape());
        }
        // a shape the user gave is kept: the 17-token row is an error against it
        List<DataTarget> given = DataTarget.of(List.of(ids), ShapePolicy.of(Map.of("ids", new long[] {1, 16}), 1));
        assertEquals(-1, given.get(0).freeAxis());
        try (Dataset d = Datasets.open(p, DataOptions.DEFAULT, given)) {
            EvalException e = assertThrows(EvalException.class, () -> d.next(2));
            assertTrue(e.getMessage().contains("row 2: 17 features"), e.getMessage());
        }
    }

    @Test
    void csvNonNumericCell() throws Exception {
        Path p = csv("1,0,0,0,1\n2,0,abc,0,1\n");
        EvalException e = assertThrows(EvalException.class, () -> eval(p, DataOptions.DEFAULT));
        assertEquals(p + " row 2 column 3: 'abc' is not a number", e.getMessage());
    }

    @Test
    void csvLabelOutOfRange() throws Exception {
        Path p = csv("f,a,b,c,d\n1,0,0,0,1\n7,0,0,0,1\n");
        EvalException e = assertThrows(EvalException.class, () -> eval(p, DataOptions.DEFAULT));
        assertEquals(p + " row 3: label 7 is outside 0..3 (output 'y' has 4 classes)", e.getMessage());
    }

    @Test
    void csvLabelNotAClassIndex() throws Exception {
        Path p = csv("1.5,0,0,0,1\n");
        EvalException e = assertThrows(EvalException.class, () -> eval(p, DataOptions.DEFAULT));
        assertEquals(p + " row 1 column 1: label '1.5' is not a whole class index", e.getMessage());
    }

    @Test
    void csvForTwoInputModelIsRefused() throws Exception {
        Path p = csv("1,2\n");
        try (EvalSession emb = EvalSession.open(ModelSource.of(TinyModels.embedding(), null, "emb"), SessionConfig.DEFAULT)) {
            EvalException e = assertThrows(EvalException.class,
                    () -> Datasets.open(p, DataOptions.DEFAULT, DataTarget.of(emb.inputs(), ShapePolicy.DEFAULT)));
            assertEquals(p + ": a CSV file feeds one input, but the model has 2 ([input_ids, attention_mask]);"
                    + " use an .npz with one array per input", e.getMessage());
        }
    }

    @Test
    void npyWithSeparateLabels() throws Exception {
        DataEvalResult r = eval(resource("x.npy"), new DataOptions(LabelColumn.FIRST, resource("y.npy"), ImageOptions.DEFAULT));
        // every row of x increases, so the argmax is always 3; labels [0,1,2,3,1]: one top-1 hit
        assertEquals(5, r.accuracy().samples());
        assertEquals(1, r.accuracy().top1Correct());
        assertEquals(5, r.accuracy().top5Correct());
    }

    @Test
    void npzPlainAndCompressedBigEndian() throws Exception {
        for (String f : List.of("xy.npz", "xy_compressed.npz")) {
            try (Dataset d = Datasets.open(resource(f), DataOptions.DEFAULT, targets)) {
                assertEquals(5, d.sampleCount());
                Batch b = d.next(3);
                assertArrayEquals(new float[] {0, 0.25f, 0.5f, 0.75f, 1, 1.25f, 1.5f, 1.75f, 2, 2.25f, 2.5f, 2.75f},
                        b.inputs().get("x").toFloatArray(), f);
                assertArrayEquals(new int[] {0, 1, 2}, b.labels(), f);
                assertArrayEquals(new int[] {3, 1}, d.next(3).labels(), f);
                assertNull(d.next(3));
            }
        }
    }

    @Test
    void npyFloat16IsDecoded() throws Exception {
        try (Dataset d = Datasets.open(resource("x_f16.npy"), labels(LabelColumn.NONE), targets)) {
            float[] v = d.next(5).inputs().get("x").toFloatArray();
            assertEquals(4.75f, v[19]);
        }
    }

    @Test
    void npyFortranOrderIsRefused() throws Exception {
        Path p = resource("x_fortran.npy");
        EvalException e = assertThrows(EvalException.class, () -> Datasets.open(p, DataOptions.DEFAULT, targets));
        assertEquals(p + ": Fortran-ordered arrays are not supported; save with np.ascontiguousarray", e.getMessage());
    }

    @Test
    void npyWrongSampleSize() throws Exception {
        try (EvalSession conv = EvalSession.open(ModelSource.of(TinyModels.convRelu(), null, "conv"), SessionConfig.DEFAULT)) {
            List<DataTarget> t = DataTarget.of(conv.inputs(), ShapePolicy.of(Map.of("x", new long[] {1, 2, 3, 3}), 1));
            Path p = resource("x.npy");
            EvalException e = assertThrows(EvalException.class, () -> Datasets.open(p, labels(LabelColumn.NONE), t));
            assertEquals(p + ": each sample has 4 values (shape 5x4), input 'x' float[N,2,height,width] expects 18", e.getMessage());
        }
    }

    @Test
    void npyTruncated() throws Exception {
        byte[] full = Files.readAllBytes(resource("x.npy"));
        Path p = tmp.resolve("cut.npy");
        Files.write(p, Arrays.copyOf(full, full.length - 10));
        try (Dataset d = Datasets.open(p, labels(LabelColumn.NONE), targets)) {
            EvalException e = assertThrows(EvalException.class, () -> d.next(8));
            assertEquals(p + ": file ends after 0 values; its header promises 20", e.getMessage());
        }
    }

    @Test
    void npyLabelCountMismatch() throws Exception {
        Path y = tmp.resolve("y3.npy");
        byte[] src = Files.readAllBytes(resource("y.npy"));
        String header = new String(src, 10, src.length - 10 - 40, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(header.contains("(5,)"));
        byte[] out = src.clone();
        byte[] h2 = header.replace("(5,)", "(3,)").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        System.arraycopy(h2, 0, out, 10, h2.length);
        Files.write(y, Arrays.copyOf(out, out.length - 16));
        EvalException e = assertThrows(EvalException.class,
                () -> Datasets.open(resource("x.npy"), new DataOptions(LabelColumn.FIRST, y, ImageOptions.DEFAULT), targets));
        assertEquals(y + ": 3 labels for 5 samples", e.getMessage());
    }

    @Test
    void npzMissingArrayForInput() throws Exception {
        Path p = resource("two_inputs.npz");
        try (EvalSession emb = EvalSession.open(ModelSource.of(TinyModels.embedding(), null, "emb"), SessionConfig.DEFAULT)) {
            EvalException e = assertThrows(EvalException.class,
                    () -> Datasets.open(p, DataOptions.DEFAULT, DataTarget.of(emb.inputs(), ShapePolicy.DEFAULT)));
            assertEquals(p + ": no array for input 'attention_mask' (arrays: input_ids, y; name the array like the input)", e.getMessage());
        }
    }

    @Test
    void shapeTheModelRefusesIsOneLine() {
        EvalException e = assertThrows(EvalException.class,
                () -> identity.run(Map.of("x", HostTensor.ofFloats(new long[] {1, 4, 1}, 1, 2, 3, 4))));
        assertTrue(e.getMessage().startsWith("identity: ONNX Runtime refused inputs [x: 1x4x1]: "), e.getMessage());
        assertTrue(e.getMessage().contains("rank"), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'));
        EvalException names = assertThrows(EvalException.class,
                () -> identity.run(Map.of("image", HostTensor.ofFloats(new long[] {1, 4}, 1, 2, 3, 4))));
        assertEquals("identity: no data for input 'x' (data gives [image], model inputs are [x])", names.getMessage());
    }

    @Test
    void unknownFormat() throws Exception {
        Path p = tmp.resolve("data.txt");
        Files.writeString(p, "1,2");
        EvalException e = assertThrows(EvalException.class, () -> Datasets.open(p, DataOptions.DEFAULT, targets));
        assertEquals(p + ": unknown data format (use .csv, .npy, .npz or a folder of class subfolders)", e.getMessage());
    }
}
