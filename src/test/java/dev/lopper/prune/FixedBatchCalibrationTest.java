package dev.lopper.prune;

import static dev.lopper.testutil.FixedBatch.withFixedBatch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.runtime.BatchFeed;
import dev.lopper.runtime.CalibrationData;
import dev.lopper.runtime.CaptureRequest;
import dev.lopper.importance.ActivationStats;
import dev.lopper.importance.Weights;
import dev.lopper.task.Progress;

/** Calibration on exports with a fixed batch dim, limited sample counts and several (symbolic-dim) inputs. */
class FixedBatchCalibrationTest {
    static final Path DIGITS = Path.of("samples/digits_cnn.onnx");
    static final Path DIGITS_DATA = Path.of("samples/digits_test.csv");
    static final Path TWO = Path.of("src/test/resources/calibration/two_inputs.onnx");
    static final Path TWO_B1 = Path.of("src/test/resources/calibration/two_inputs_b1.onnx");
    static final Path TWO_DATA = Path.of("src/test/resources/calibration/two_inputs.npz");

    @TempDir
    Path tmp;

    static Path firstRows(Path csv, int n, Path out) throws Exception {
        Files.write(out, Files.readAllLines(csv).subList(0, n));
        return out;
    }

    private static CapturedActivations capture(Path model, CalibrationData data) throws Exception {
        PruningSession s = PruningSession.open(model, data.inputShapes(), Progress.NONE);
        return s.captureActivations(data, 32, Progress.NONE);
    }

    private static List<String> tensors(Path model) throws Exception {
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        return CapturedActivations.requests(s.graph(), s.groups()).stream().map(CaptureRequest::tensor).toList();
    }

    private static void assertSameStats(CapturedActivations a, CapturedActivations b, List<String> tensors, int axis) {
        for (String t : tensors) {
            ActivationStats.Channels x = a.channels(t, axis).orElseThrow(), y = b.channels(t, axis).orElseThrow();
            for (int c = 0; c < x.mean().length; c++) {
                assertEquals(x.mean()[c], y.mean()[c], 1e-5 * (1 + Math.abs(x.mean()[c])), t + " mean " + c);
                assertEquals(x.l2()[c], y.l2()[c], 1e-5 * (1 + x.l2()[c]), t + " l2 " + c);
                assertEquals(x.zeroFraction()[c], y.zeroFraction()[c], 1e-12, t + " zeros " + c);
            }
        }
    }

    @Test
    void fixedBatchExportsGiveTheDynamicModelsStatisticsWithThePaddingExcluded() throws Exception {
        Path rows = firstRows(DIGITS_DATA, 100, tmp.resolve("calib.csv"));
        Path b1 = withFixedBatch(DIGITS, 1, tmp.resolve("b1.onnx"));
        Path b3 = withFixedBatch(DIGITS, 3, tmp.resolve("b3.onnx"));
        CalibrationData all = CalibrationData.of(rows, Map.of());
        CapturedActivations dyn = capture(DIGITS, all), one = capture(b1, all), three = capture(b3, all);
        assertEquals(new BatchFeed.Summary(100, 32, false, 0, 0), dyn.feed());
        assertEquals(new BatchFeed.Summary(100, 1, true, 0, 0), one.feed());
        // 33 batches of 3 and one real row repeated twice: 100 samples counted, 2 rows of padding left out
        assertEquals(new BatchFeed.Summary(100, 3, true, 2, 0), three.feed());
        assertTrue(three.feed().describe().contains("padded with 2 repeated rows, excluded"), three.feed().describe());
        List<String> ts = tensors(DIGITS);
        assertEquals(30, ts.size());
        assertSameStats(dyn, one, ts, 1);
        assertSameStats(dyn, three, ts, 1);

        // --calibration-samples 10: exactly the first ten rows
        CapturedActivations ten = capture(b3, new CalibrationData(rows, Map.of(), 10));
        assertEquals(new BatchFeed.Summary(10, 3, true, 2, 0), ten.feed());
        CapturedActivations tenFile = capture(DIGITS, CalibrationData.of(firstRows(DIGITS_DATA, 10, tmp.resolve("ten.csv")), Map.of()));
        assertSameStats(tenFile, ten, ts, 1);
        double d = Math.abs(ten.channels(ts.get(0), 1).orElseThrow().mean()[0] - dyn.channels(ts.get(0), 1).orElseThrow().mean()[0]);
        assertTrue(d > 1e-4, "10 samples give other statistics than 100: " + d);
    }

    /** Expected mean of the Relu output h over every sample and position, computed here from the weights. */
    private static double[] expectedHiddenMean(PruningSession s, long[][] ids, float[][] mask) {
        Weights w = Weights.of(s.graph());
        float[] emb = w.get("emb").values(), w1 = w.get("w1").values(), b1 = w.get("b1").values();
        double[] sum = new double[12];
        int count = 0;
        for (int n = 0; n < ids.length; n++) {
            for (int t = 0; t < ids[n].length; t++) {
                for (int j = 0; j < 12; j++) {
                    double a = b1[j];
                    for (int i = 0; i < 8; i++) a += emb[(int) ids[n][t] * 8 + i] * mask[n][t] * w1[i * 12 + j];
                    sum[j] += Math.max(0, a);
                }
                count++;
            }
        }
        for (int j = 0; j < 12; j++) sum[j] /= count;
        return sum;
    }

    @Test
    void twoInputModelsCalibrateOnAnNpzWithOneArrayPerInputAtAFixedOrSymbolicBatch() throws Exception {
        Map<String, long[]> shapes = Map.of("input_ids", new long[] {1, 5});
        CalibrationData data = CalibrationData.of(TWO_DATA, shapes);
        PruningSession s = PruningSession.open(TWO, shapes, Progress.NONE);
        CapturedActivations dyn = s.captureActivations(data, 32, Progress.NONE);
        CapturedActivations fixed = capture(TWO_B1, data);
        assertEquals(new BatchFeed.Summary(7, 32, false, 0, 0), dyn.feed());
        assertEquals(new BatchFeed.Summary(7, 1, true, 0, 0), fixed.feed());
        // the arrays as make_calibration_fixtures.py wrote them (seed 9)
        long[][] ids;
        float[][] mask;
        try (dev.lopper.runtime.Dataset ds = data.open(dev.lopper.runtime.EvalSession.open(dev.lopper.runtime.ModelSource.of(TWO),
                dev.lopper.runtime.SessionConfig.DEFAULT).inputs(), 1)) {
            var b = ds.next(100);
            assertEquals(7, b.size());
            ids = new long[7][5];
            mask = new float[7][5];
            for (int n = 0; n < 7; n++) {
                for (int t = 0; t < 5; t++) {
                    ids[n][t] = (long) b.inputs().get("input_ids").get(n * 5 + t);
                    mask[n][t] = (float) b.inputs().get("attention_mask").get(n * 5 + t);
                }
            }
        }
        assertEquals(0f, mask[1][4]);
        double[] expected = expectedHiddenMean(s, ids, mask);
        for (CapturedActivations a : List.of(dyn, fixed)) {
            double[] got = a.channels("h", 2).orElseThrow().mean();
            assertEquals(12, got.length);
            for (int j = 0; j < 12; j++) assertEquals(expected[j], got[j], 1e-5 * (1 + Math.abs(expected[j])), "channel " + j);
        }
        // a limit of 3 samples: the first three rows only
        CapturedActivations three = capture(TWO_B1, new CalibrationData(TWO_DATA, shapes, 3));
        assertEquals(3, three.feed().samples());
        double[] e3 = expectedHiddenMean(s, java.util.Arrays.copyOf(ids, 3), java.util.Arrays.copyOf(mask, 3));
        double[] g3 = three.channels("h", 2).orElseThrow().mean();
        for (int j = 0; j < 12; j++) assertEquals(e3[j], g3[j], 1e-5 * (1 + Math.abs(e3[j])), "channel " + j);
        assertFalse(java.util.Arrays.equals(e3, expected));
        assertNotNull(s.groups());
    }
}
