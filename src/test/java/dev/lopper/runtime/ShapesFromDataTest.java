package dev.lopper.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.cli.LopperCommand;

/** Symbolic dims (a sequence length) are read off .npz arrays when no --input-shape gives them. */
class ShapesFromDataTest {
    static final Path BERT = Path.of("src/test/resources/models/bert_tiny_op13.onnx");

    @TempDir
    Path dir;

    static long[][] ids(int n, int len) {
        long[][] a = new long[n][len];
        for (int i = 0; i < n; i++) for (int j = 0; j < len; j++) a[i][j] = 1 + (i * 7 + j * 3) % 120;
        return a;
    }

    @Test
    void theArraysGiveTheSequenceLength() throws Exception {
        Path data = TestNpz.tokens(dir.resolve("d.npz"), ids(5, 12));
        try (EvalSession s = EvalSession.open(ModelSource.of(BERT), SessionConfig.DEFAULT)) {
            Map<String, long[]> shapes = NumpyDataset.shapesFrom(data, s.inputs(), ShapePolicy.DEFAULT);
            assertEquals(3, shapes.size());
            for (long[] v : shapes.values()) assertArrayEquals(new long[] {1, 12}, v);
            // an explicit shape wins, and a file that is not numpy gives nothing
            ShapePolicy given = ShapePolicy.of(Map.of("input_ids", new long[] {1, 9}), 1);
            assertEquals(List.of("attention_mask", "token_type_ids"),
                    List.copyOf(NumpyDataset.shapesFrom(data, s.inputs(), given).keySet()));
            Path csv = Files.writeString(dir.resolve("d.csv"), "1,2,3\n");
            assertTrue(NumpyDataset.shapesFrom(csv, s.inputs(), ShapePolicy.DEFAULT).isEmpty());
            // the data set opens at 12 tokens per sample
            try (Dataset ds = Datasets.open(data, DataOptions.DEFAULT, s.inputs(), ShapePolicy.DEFAULT)) {
                assertEquals(5, ds.sampleCount());
            }
        }
    }

    @Test
    void arraysThatDisagreeOnASharedDimAreRefusedNamingTheFile() throws Exception {
        Map<String, long[][]> arrays = new java.util.LinkedHashMap<>();
        arrays.put("input_ids", ids(4, 7));
        arrays.put("attention_mask", ids(4, 5));
        arrays.put("token_type_ids", ids(4, 7));
        Path data = TestNpz.write(dir.resolve("bad.npz"), arrays);
        try (EvalSession s = EvalSession.open(ModelSource.of(BERT), SessionConfig.DEFAULT)) {
            EvalException e = org.junit.jupiter.api.Assertions.assertThrows(EvalException.class,
                    () -> Datasets.open(data, DataOptions.DEFAULT, s.inputs(), ShapePolicy.DEFAULT));
            assertEquals(data + ": the arrays disagree on dim 'sequence': 7 (input_ids) vs 5 (attention_mask)", e.getMessage());
        }
    }

    @Test
    void evalAndPruneTakeTwelveTokenDataWithoutInputShape() throws Exception {
        Path data = TestNpz.tokens(dir.resolve("d.npz"), ids(6, 12));
        var out = new java.io.StringWriter();
        var err = new java.io.StringWriter();
        var cl = LopperCommand.commandLine();
        cl.setOut(new java.io.PrintWriter(out));
        cl.setErr(new java.io.PrintWriter(err));
        assertEquals(0, cl.execute("eval", BERT.toString(), "--reference", BERT.toString(), "--data", data.toString(), "--runs", "1",
                "--warmup", "0"), err.toString());
        assertTrue(out.toString().contains("(6 samples)"), out.toString());
        Path pruned = dir.resolve("p.onnx");
        assertEquals(0, cl.execute("prune", BERT.toString(), "-o", pruned.toString(), "--ratio", "0.3", "--criterion", "obspa",
                "--calibration", data.toString()), err.toString());
        assertTrue(Files.size(pruned) > 0);
    }
}
