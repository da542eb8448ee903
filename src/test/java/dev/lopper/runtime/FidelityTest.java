package dev.lopper.runtime;

import dev.lopper.eval.DataEvalResult;
import dev.lopper.eval.DataEvaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.task.Progress;

class FidelityTest {
    @TempDir
    Path tmp;

    private static ModelSource src(dev.lopper.onnx.proto.Onnx.ModelProto m, String label) {
        return ModelSource.of(m, null, label);
    }

    @Test
    void modelAgainstItselfIsExact() {
        ModelSource m = src(TinyModels.diagonalMatMul(1, -2, 3, 0.5f), "m");
        try (EvalSession a = EvalSession.open(m, SessionConfig.DEFAULT); EvalSession b = EvalSession.open(m, SessionConfig.DEFAULT)) {
            DataEvalResult r = DataEvaluation.randomFidelity(a, b, ShapePolicy.DEFAULT.withBatchSize(8), IntRange.DEFAULT, 7, 4, Progress.NONE);
            OutputFidelity f = r.fidelity().get(0);
            assertEquals("y", f.output());
            assertEquals(1.0, f.cosine(), 1e-12);
            assertEquals(0.0, f.relL2());
            assertEquals(0.0, f.maxAbs());
            assertEquals(1.0, f.top1Agreement());
            assertEquals(32, f.rows());
            assertEquals(128, f.elements());
            assertEquals(32, r.samples());
        }
    }

    /**
     * Reference y = x (identity), candidate scales weight W[3][3] by 2. Rows (1,1,1,1) and (0,5,0,1):
     * ref = [1,1,1,1, 0,5,0,1], cand = [1,1,1,2, 0,5,0,2].
     * dot = 32, |ref|² = 30, |cand|² = 36 → cosine = 32/√1080; |diff|² = 2 → relL2 = √(2/30); maxAbs = 1;
     * argmax row 1: ref 0 (first of ties) vs cand 3 → disagree; row 2: 1 vs 1 → agree → 0.5.
     */
    @Test
    void oneScaledWeightGivesHandComputedNumbers() throws Exception {
        Path csv = tmp.resolve("rows.csv");
        Files.writeString(csv, "f0,f1,f2,f3\n1,1,1,1\n0,5,0,1\n");
        try (EvalSession ref = EvalSession.open(src(TinyModels.diagonalMatMul(1, 1, 1, 1), "ref"), SessionConfig.DEFAULT);
             EvalSession cand = EvalSession.open(src(TinyModels.diagonalMatMul(1, 1, 1, 2), "cand"), SessionConfig.DEFAULT);
             Dataset data = Datasets.open(csv, new DataOptions(LabelColumn.NONE, null, ImageOptions.DEFAULT),
                     DataTarget.of(cand.inputs(), ShapePolicy.DEFAULT))) {
            DataEvalResult r = DataEvaluation.run(cand, ref, data, 1, Progress.NONE);
            OutputFidelity f = r.fidelity().get(0);
            assertEquals(32 / Math.sqrt(1080), f.cosine(), 1e-12);
            assertEquals(Math.sqrt(2.0 / 30), f.relL2(), 1e-12);
            assertEquals(1.0, f.maxAbs(), 0);
            assertEquals(0.5, f.top1Agreement(), 0);
            assertEquals(2, r.samples());
            assertEquals(null, r.accuracy());
        }
    }

    @Test
    void accuracyCountsTop1AndTop5() {
        // scores for 2 rows x 6 classes
        HostTensor s = HostTensor.ofFloats(new long[] {2, 6}, 0, 5, 4, 3, 2, 1, 9, 8, 7, 6, 5, 4);
        AccuracyAccumulator acc = new AccuracyAccumulator();
        acc.add("y", s, new int[] {1, 5}, i -> "row " + i);
        AccuracyResult r = acc.result();
        assertEquals(2, r.samples());
        assertEquals(1, r.top1Correct()); // row 0 argmax 1
        assertEquals(1, r.top5Correct()); // row 1: label 5 has 5 higher classes
        EvalException e = org.junit.jupiter.api.Assertions.assertThrows(EvalException.class,
                () -> acc.add("y", s, new int[] {6, 0}, i -> "data.csv row " + (i + 2)));
        assertEquals("data.csv row 2: label 6 is outside 0..5 (output 'y' has 6 classes)", e.getMessage());
    }

    @Test
    void shapeMismatchIsNamed() {
        FidelityAccumulator f = new FidelityAccumulator();
        EvalException e = org.junit.jupiter.api.Assertions.assertThrows(EvalException.class, () -> f.add(
                Map.of("y", HostTensor.ofFloats(new long[] {1, 3}, 1, 2, 3)),
                Map.of("y", HostTensor.ofFloats(new long[] {1, 2}, 1, 2))));
        assertEquals("output 'y': candidate shape 1x2 differs from the reference's 1x3", e.getMessage());
        List<OutputFidelity> empty = f.result();
        assertTrue(empty.isEmpty());
        assertFalse(FidelityAccumulator.isClassifierOutput(HostTensor.ofFloats(new long[] {3}, 1, 2, 3)));
    }
}
