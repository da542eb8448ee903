package dev.lopper.prune.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import dev.lopper.testutil.SignalNoiseModel;
import org.junit.jupiter.api.io.TempDir;

import ai.onnxruntime.OnnxTensor;
import dev.lopper.analysis.CoupledGroup;
import dev.lopper.runtime.EvalSession;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.RandomInputs;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.runtime.ShapePolicy;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.prune.GroupPlan;
import dev.lopper.prune.Planner;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.PruningSettings;
import dev.lopper.task.CancellationToken;
import dev.lopper.task.CancelledException;
import dev.lopper.task.Progress;

class SensitivityAnalysisTest {
    static final Path DIGITS = Path.of("samples/digits_cnn.onnx");
    static final Path DIGITS_DATA = Path.of("samples/digits_test.csv");

    /** Masking consumer columns in the one shared session gives what the rewritten (sliced) model gives, on the real sample. */
    @Test
    void maskedRunEqualsTheRewrittenModelOnTheSample() throws Exception {
        assertMaskedEqualsSliced(DIGITS, false);
    }

    /**
     * Weights Loop and Scan bodies hold of their own (body initializers, body Constant nodes) are masked too: fed
     * from the main graph, which the body reads by name; masked = sliced on every group of these models.
     */
    @Test
    void bodyWeightsAreMaskedAndEqualTheRewrittenModel() throws Exception {
        for (String f : List.of("scan_conv_op13.onnx", "scan_rnn_op13.onnx", "loop_conv_op13.onnx")) {
            assertMaskedEqualsSliced(Path.of("src/test/resources/models", f), true);
        }
    }

    /** With {@code everyGroup}: the plan must cut every prunable group (so every group's weights are masked). */
    static void assertMaskedEqualsSliced(Path model, boolean everyGroup) throws Exception {
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        Map<String, ChannelScores> scores = s.score(ScoringOptions.defaults(), Progress.NONE);
        Planner.Result plan = s.plan(scores, ScoringOptions.defaults(), PruningSettings.ratio(0.4).withRoundTo(1), Progress.NONE);
        assertTrue(plan.plan().groups().size() >= 2, model + ": several prunable groups");
        if (everyGroup) {
            assertEquals(s.analysis().prunableGroups().size(), plan.plan().groups().size(), model + ": every prunable group loses channels");
        }
        Map<String, int[]> removed = new LinkedHashMap<>();
        for (GroupPlan g : plan.plan().groups().values()) removed.put(g.id(), g.removed());
        try (MaskedRunner runner = MaskedRunner.open(s.graph(), s.model(), s.groups(), 1);
             EvalSession pruned = EvalSession.open(ModelSource.of(s.rewrite(plan.plan().groups()), null, "pruned"), SessionConfig.DEFAULT);
             EvalSession original = EvalSession.open(ModelSource.of(model), SessionConfig.DEFAULT)) {
            assertTrue(runner.unsupported().isEmpty(), model + ": " + runner.unsupported());
            Map<String, HostTensor> in = RandomInputs.forSession(original, ShapePolicy.of(Map.of(), 4), null, 3);
            Map<String, OnnxTensor> ort = new LinkedHashMap<>();
            for (String n : runner.inputNames()) ort.put(n, in.get(n).toOrt());
            try {
                Map<String, HostTensor> masked = runner.run(ort, runner.maskedWeights(removed));
                Map<String, HostTensor> unmasked = runner.run(ort, Map.of());
                Map<String, HostTensor> sliced = pruned.run(in);
                Map<String, HostTensor> orig = original.run(in);
                for (String k : sliced.keySet()) {
                    float[] a = masked.get(k).toFloatArray(), b = sliced.get(k).toFloatArray();
                    float[] u = unmasked.get(k).toFloatArray(), o = orig.get(k).toFloatArray();
                    double diff = 0, change = 0, base = 0;
                    for (int i = 0; i < a.length; i++) {
                        diff = Math.max(diff, Math.abs(a[i] - b[i]));
                        change = Math.max(change, Math.abs(b[i] - o[i]));
                        base = Math.max(base, Math.abs(u[i] - o[i]));
                    }
                    assertTrue(diff < 1e-4, model + " " + k + ": masked vs sliced differ by " + diff);
                    assertTrue(base < 1e-4, model + " " + k + ": unmasked vs original differ by " + base);
                    assertTrue(change > 1e-2, model + " " + k + ": pruning changed the output (" + change + ")");
                }
            } finally {
                ort.values().forEach(OnnxTensor::close);
            }
        }
    }

    /** A group measured on its own suffix session gives what the whole masked model gives. */
    @Test
    void suffixSessionsMatchTheWholeMaskedModel() throws Exception {
        PruningSession s = PruningSession.open(DIGITS, Map.of(), Progress.NONE);
        Map<String, ChannelScores> scores = s.score(ScoringOptions.defaults(), Progress.NONE);
        Planner.Result plan = s.plan(scores, ScoringOptions.defaults(), PruningSettings.ratio(0.5).withRoundTo(1), Progress.NONE);
        SensitivitySettings set = SensitivitySettings.defaults().withSamples(8);
        int compared = 0;
        try (DamageProbe probe = DamageProbe.open(s, set, null, Progress.NONE)) {
            for (GroupPlan g : plan.plan().groups().values()) {
                DamageProbe.Damage whole = probe.measure(Map.of(g.id(), g.removed()));
                DamageProbe.Damage suffix;
                try (DamageProbe.GroupProbe gp = probe.openGroup(g.id())) {
                    suffix = gp.measure(g.removed());
                }
                assertTrue(whole.relL2() > 1e-3, g.id() + " changes the output");
                assertEquals(whole.relL2(), suffix.relL2(), 1e-4, g.id());
                assertEquals(whole.cosine(), suffix.cosine(), 1e-4, g.id());
                compared++;
            }
        }
        assertTrue(compared >= 5, "groups compared: " + compared);
    }

    @Test
    void theSignalGroupIsMostSensitiveAndTheNoiseGroupCostsNothing(@TempDir Path dir) throws Exception {
        Path model = SignalNoiseModel.write(dir);
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        SensitivityResult r = SensitivityAnalysis.run(s, SensitivitySettings.defaults().withSamples(16), null, 2, Progress.NONE);
        assertEquals("fidelity", r.metric());
        List<SensitivityResult.Group> rank = r.ranking();
        assertEquals(List.of(SignalNoiseModel.SIGNAL, SignalNoiseModel.NOISE), rank.stream().map(SensitivityResult.Group::id).toList());
        SensitivityResult.Group signal = rank.get(0), noise = rank.get(1);
        assertEquals("exact", signal.status());
        assertEquals(4, signal.points().size());
        for (int i = 0; i < 4; i++) {
            SensitivityResult.Point ps = signal.points().get(i), pn = noise.points().get(i);
            assertEquals(Math.floor(32 * ps.ratio() + 1e-9), ps.removed());
            assertTrue(ps.relL2() > 0.05, "signal damage at " + ps.ratio() + ": " + ps.relL2());
            assertTrue(pn.relL2() < 0.01, "noise damage at " + pn.ratio() + ": " + pn.relL2());
            assertTrue(ps.cosine() < pn.cosine());
            // a hidden unit costs 16 (its row) + 1 (its bias add) + 8 (its column) MACs (the project's one cost model),
            // and 16 + 8 weights plus a bias
            assertEquals(25L * ps.removed(), ps.macsSaved());
            assertEquals(25L * ps.removed(), ps.paramsSaved());
            assertEquals(ps.macsSaved(), pn.macsSaved());
            if (i > 0) assertTrue(ps.relL2() > signal.points().get(i - 1).relL2(), "damage grows with the ratio");
        }
    }

    @Test
    void labelsGiveAccuracyAndTheCacheReopensTheSameTable(@TempDir Path dir) throws Exception {
        PruningSession s = PruningSession.open(DIGITS, Map.of(), Progress.NONE);
        SensitivitySettings set = SensitivitySettings.defaults().withRatios(List.of(0.25, 0.5)).withSamples(40)
                .withData(Sensitivity.dataKey(DIGITS_DATA, Progress.NONE));
        SensitivityCache cache = new SensitivityCache(dir.resolve("cache"));
        Sensitivity.Measured m = Sensitivity.measure(s, set, DIGITS_DATA, 2, cache, Progress.NONE);
        assertFalse(m.cached());
        SensitivityResult r = m.result();
        assertEquals("accuracy", r.metric());
        assertTrue(r.baselineAccuracy() > 0.95, "the sample's accuracy on 40 rows: " + r.baselineAccuracy());
        long measured = r.groups().stream().filter(SensitivityResult.Group::measured).count();
        assertEquals(s.groups().stream().filter(CoupledGroup::isPrunable).count(), measured);
        for (SensitivityResult.Group g : r.groups()) {
            for (SensitivityResult.Point p : g.points()) {
                assertEquals(r.baselineAccuracy() - p.accuracy(), p.damage(), 1e-12);
                assertTrue(p.macsSaved() > 0 && p.paramsSaved() > 0);
            }
        }
        assertTrue(Files.isRegularFile(m.cacheFile()));
        assertTrue(m.cacheFile().getFileName().toString().startsWith(s.sha256() + "-" + set.hash()));
        Sensitivity.Measured again = Sensitivity.measure(s, set, DIGITS_DATA, 2, cache, Progress.NONE);
        assertTrue(again.cached());
        assertEquals(SensitivityCache.toJson(r), SensitivityCache.toJson(again.result()));
        // a table counted with another cost definition is measured again
        Files.writeString(m.cacheFile(), SensitivityCache.toJson(r).replace("\"macs\" : " + r.totalMacs(), "\"macs\" : " + (r.totalMacs() + 1)));
        assertFalse(Sensitivity.measure(s, set, DIGITS_DATA, 2, cache, Progress.NONE).cached());
        assertTrue(Sensitivity.measure(s, set, DIGITS_DATA, 2, cache, Progress.NONE).cached());
        // other settings are another file; a corrupted file is measured again, not trusted
        Files.writeString(m.cacheFile(), "{ broken");
        Sensitivity.Measured fresh = Sensitivity.measure(s, set, DIGITS_DATA, 2, cache, Progress.NONE);
        assertFalse(fresh.cached());
        assertEquals(r.ranking().get(0).id(), fresh.result().ranking().get(0).id());
    }

    @Test
    void cancellingStopsTheAnalysis(@TempDir Path dir) throws Exception {
        PruningSession s = PruningSession.open(DIGITS, Map.of(), Progress.NONE);
        CancellationToken token = new CancellationToken();
        int[] updates = {0};
        Progress p = token.progress(new Progress() {
            @Override
            public void update(String message, double done, double total) {
                if (message.startsWith("sensitivity of") && ++updates[0] == 2) token.cancel();
            }

            @Override
            public boolean isCancelled() { return false; }
        });
        assertThrows(CancelledException.class, () -> SensitivityAnalysis.run(s, SensitivitySettings.defaults(), null, 1, p));
        assertTrue(updates[0] >= 2 && updates[0] < 4 * 5, "stopped early: " + updates[0]);
    }
}
