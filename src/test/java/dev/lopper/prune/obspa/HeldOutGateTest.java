package dev.lopper.prune.obspa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.prune.GroupPlan;
import dev.lopper.prune.PlanApplier;
import dev.lopper.prune.PruningSession;
import dev.lopper.runtime.CalibrationData;
import dev.lopper.runtime.ModelSource;
import dev.lopper.task.Progress;
import dev.lopper.testutil.ModelBuilder;

/**
 * Compensation never makes a layer worse on samples it did not see: the calibration samples are split into 4 folds,
 * the update is fitted without each fold and measured on it, and a row keeps its update only where that lowers the
 * held-out error.
 */
class HeldOutGateTest {
    @TempDir
    Path dir;

    private static final int F = 24;

    /** g1: x[F] → h[F] with a diagonal weight (independent channels: no update can predict a removed one), g2: h → y[3]. */
    private ModelProto model() {
        Random r = new Random(3);
        float[] w1 = new float[F * F], b1 = new float[F], w2 = new float[3 * F], b2 = new float[3];
        for (int i = 0; i < F; i++) w1[i * F + i] = (float) (0.5 + r.nextDouble());
        for (int i = 0; i < w2.length; i++) w2[i] = (float) r.nextGaussian();
        ModelBuilder mb = ModelBuilder.create("indep").input("x", -1, F);
        mb.floats("g1.w", new long[] {F, F}, w1);
        mb.floats("g1.b", new long[] {F}, b1);
        mb.floats("g2.w", new long[] {3, F}, w2);
        mb.floats("g2.b", new long[] {3}, b2);
        mb.node("Gemm", "g1", List.of("x", "g1.w", "g1.b"), "transB", 1);
        mb.node("Gemm", "g2", List.of("g1", "g2.w", "g2.b"), "transB", 1);
        mb.output("g2");
        return mb.build();
    }

    private static float[][] inputs(int n, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][F];
        for (float[] row : x) for (int j = 0; j < F; j++) row[j] = (float) r.nextGaussian();
        return x;
    }

    private Path csv(float[][] x, String name) throws IOException {
        StringBuilder b = new StringBuilder();
        for (float[] row : x) {
            b.append('0');
            for (float v : row) b.append(',').append(String.format(Locale.ROOT, "%.9g", v));
            b.append('\n');
        }
        return Files.writeString(dir.resolve(name), b);
    }

    private static CoupledGroup group(PruningSession s, String producer) {
        for (CoupledGroup g : s.groups()) if (g.isPrunable() && g.id().contains(producer)) return g;
        throw new AssertionError("no prunable group of " + producer);
    }

    @Test
    void anUpdateFittedOnTooFewSamplesIsRevertedAndTheModelIsNoWorseThanSlicingOnFreshInputs() throws Exception {
        ModelProto original = model();
        Path model = dir.resolve("indep.onnx");
        Files.write(model, original.toByteArray());
        Path data = csv(inputs(40, 5), "cal.csv");
        float[][] fresh = inputs(4000, 77);
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        CoupledGroup g = group(s, "g1");
        int[] removed = new int[F / 2];
        for (int i = 0; i < removed.length; i++) removed[i] = 2 * i;
        Map<String, GroupPlan> plan = Map.of(g.id(), new GroupPlan(g.id(), F, PlanApplier.keepAllBut(F, removed)));

        ModelProto plain = s.rewrite(plan);
        boolean was = Compensation.HELD_OUT_GATE;
        ModelProto ungated, gated;
        String note;
        try {
            Compensation.HELD_OUT_GATE = false;
            s.setCompensation(Obspa.compensation(s, Obspa.source(s, data, Map.of(), 1e-9, Progress.NONE)));
            ungated = s.rewrite(plan);
            Compensation.HELD_OUT_GATE = true;
            Obspa.Step step = Obspa.compensation(s, Obspa.source(s, data, Map.of(), 1e-9, Progress.NONE));
            s.setCompensation(step);
            gated = s.rewrite(plan);
            note = step.last().note();
        } finally {
            Compensation.HELD_OUT_GATE = was;
        }
        double[][] y0 = ObspaTest.run(original, fresh);
        double ePlain = ObspaTest.mse(ObspaTest.run(plain, fresh), y0);
        double eUngated = ObspaTest.mse(ObspaTest.run(ungated, fresh), y0), eGated = ObspaTest.mse(ObspaTest.run(gated, fresh), y0);
        // the problem exists: with 40 samples for 13 kept features the update overfits and hurts on fresh inputs
        assertTrue(eUngated > 1.2 * ePlain, "ungated " + eUngated + " vs slicing " + ePlain);
        // the cross-validation sees it on the held-out samples and keeps little of the update
        Matcher m = Pattern.compile("4-fold cross-validated update on 1 layers \\(mean α ([0-9.]+)").matcher(note);
        assertTrue(m.find(), note);
        assertTrue(Double.parseDouble(m.group(1)) < 0.5, note);
        assertTrue(eGated <= 1.05 * ePlain, note + " gated " + eGated + " vs slicing " + ePlain + " (ungated " + eUngated + ")");
        assertTrue(eGated < eUngated, "gated " + eGated + " vs ungated " + eUngated);
    }

    @Test
    void eachFoldsFittedMomentsAreThoseOfTheOtherSamples() throws Exception {
        ModelProto original = model();
        Path model = dir.resolve("indep.onnx");
        Files.write(model, original.toByteArray());
        float[][] x = inputs(43, 9);
        Path all = csv(x, "all.csv");
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        GraphObspaSource src = Obspa.dataFreeSource(s.graph(), 0.01, Progress.NONE);
        ConsumerLayer l = src.resolver().resolve(group(s, "g1").slices().stream()
                .filter(p -> p.role() == dev.lopper.analysis.ParamSlice.Role.CONSUMER_WEIGHT).findFirst().orElseThrow()).orElseThrow();
        ModelSource ms = ModelSource.of(original, null, "indep");
        CalibratedMoments.Result split = CalibratedMoments.capture(ms, src.resolver(), List.of(l), CalibrationData.of(all, Map.of()),
                Progress.NONE, 4);
        assertEquals(43, split.samples());
        assertEquals(4, split.folds(l.node()));
        assertEquals(List.of(11L, 11L, 11L, 10L), java.util.Arrays.stream(split.foldSamples()).boxed().toList());
        for (int k = 0; k < 4; k++) {
            java.util.List<float[]> held = new java.util.ArrayList<>(), rest = new java.util.ArrayList<>();
            for (int i = 0; i < x.length; i++) (i % 4 == k ? held : rest).add(x[i]);
            InputMoments heldOnly = CalibratedMoments.capture(ms, src.resolver(), List.of(l),
                    CalibrationData.of(csv(held.toArray(float[][]::new), "held" + k + ".csv"), Map.of()), Progress.NONE).moments().get(l.node());
            InputMoments restOnly = CalibratedMoments.capture(ms, src.resolver(), List.of(l),
                    CalibrationData.of(csv(rest.toArray(float[][]::new), "rest" + k + ".csv"), Map.of()), Progress.NONE).moments().get(l.node());
            InputMoments heldSplit = split.heldOut(l.node(), k), fitted = split.fitted(l.node(), k);
            assertNotNull(fitted);
            for (int i = 0; i < F; i++) {
                assertEquals(heldOnly.mean()[i], heldSplit.mean()[i], 1e-9);
                assertEquals(restOnly.mean()[i], fitted.mean()[i], 1e-9);
                for (int j = 0; j < F; j++) {
                    assertEquals(heldOnly.secondMoment()[i * F + j], heldSplit.secondMoment()[i * F + j], 1e-9);
                    assertEquals(restOnly.secondMoment()[i * F + j], fitted.secondMoment()[i * F + j], 1e-9);
                }
            }
        }
        // the whole-data moments are untouched by the split
        InputMoments whole = CalibratedMoments.capture(ms, src.resolver(), List.of(l), CalibrationData.of(all, Map.of()), Progress.NONE)
                .moments().get(l.node());
        for (int i = 0; i < F * F; i++) assertEquals(whole.secondMoment()[i], split.moments().get(l.node()).secondMoment()[i], 0.0);
    }
}
