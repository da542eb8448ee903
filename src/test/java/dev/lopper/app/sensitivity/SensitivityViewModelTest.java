package dev.lopper.app.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.app.CoreServices;
import dev.lopper.app.MainViewModel;
import dev.lopper.app.RecentFiles;
import dev.lopper.app.groups.GroupRow;
import dev.lopper.app.prune.PruneViewModel;
import dev.lopper.app.sensitivity.SensitivityViewModel.TargetKind;
import dev.lopper.app.task.DirectTaskRunner;
import dev.lopper.prune.PruneTarget;
import dev.lopper.prune.sensitivity.SensitivityResult;

/**
 * The Sensitivity tab, target box and Pareto chart on the bundled digits sample, without a Stage (work runs at once on
 * a direct task runner): curves and the heat column come from the measured table, the cache makes a re-open instant, a
 * click selects the group, a MACs target loads a plan that meets it (undoably), and evaluated plans become points
 * that restore their plan.
 */
class SensitivityViewModelTest {
    static final Path DIGITS = Path.of("samples", "digits_cnn.onnx");
    static final int SAMPLES = 8;

    @TempDir
    Path dir;
    String savedCache;

    @BeforeEach
    void isolateCache() {
        savedCache = System.getProperty("lopper.cache.dir");
        System.setProperty("lopper.cache.dir", dir.resolve("cache").toString());
    }

    @AfterEach
    void restoreCache() {
        if (savedCache == null) System.clearProperty("lopper.cache.dir");
        else System.setProperty("lopper.cache.dir", savedCache);
    }

    static MainViewModel open(Path model) {
        MainViewModel vm = new MainViewModel(new CoreServices(), RecentFiles.inMemory(), DirectTaskRunner::new);
        vm.open(model);
        assertNull(vm.errorProperty().get());
        assertTrue(vm.groups().analysedProperty().get());
        vm.sensitivity().samplesProperty().set(SAMPLES);
        return vm;
    }

    @Test
    void curvesAndHeatColumnComeFromTheTableAndTheCacheMakesReopeningInstant() {
        MainViewModel vm = open(DIGITS);
        SensitivityViewModel s = vm.sensitivity();
        assertTrue(s.curves().isEmpty());
        s.run();
        SensitivityResult r = s.resultProperty().get();
        assertNotNull(r, s.statusProperty().get());
        assertEquals("fidelity", r.metric(), "random inputs carry no labels");
        long measured = r.groups().stream().filter(g -> g.measured() && !g.points().isEmpty()).count();
        assertTrue(measured >= 3, "groups measured: " + measured);
        assertEquals(measured, s.curves().size());
        assertTrue(s.statusProperty().get().contains("measured in"), s.statusProperty().get());
        // each curve: (0, 0) then the measured damage at every ratio
        for (SensitivityViewModel.Curve c : s.curves()) {
            SensitivityResult.Group g = r.group(c.id()).orElseThrow();
            assertEquals(g.points().size() + 1, c.points().size());
            for (int i = 0; i < g.points().size(); i++) {
                assertEquals(g.points().get(i).ratio(), c.points().get(i + 1)[0], 0);
                assertEquals(g.points().get(i).damage(), c.points().get(i + 1)[1], 0);
            }
        }
        // heat column: the damage at 0.5 (a measured ratio) and its share of the worst
        double worst = 0;
        for (SensitivityViewModel.Curve c : s.curves()) worst = Math.max(worst, r.group(c.id()).orElseThrow().points().get(2).damage());
        assertTrue(worst > 0);
        int hottest = 0;
        for (GroupRow row : vm.groups().rows()) {
            var g = r.group(row.id());
            if (g.isEmpty() || !g.get().measured()) {
                assertTrue(Double.isNaN(row.damageProperty().get()), row.id());
                continue;
            }
            double d = g.get().points().get(2).damage();
            assertEquals(0.5, g.get().points().get(2).ratio(), 0);
            assertEquals(d, row.damageProperty().get(), 1e-12, row.id());
            assertEquals(d / worst, row.heatProperty().get(), 1e-12, row.id());
            if (row.heatProperty().get() == 1) hottest++;
        }
        assertEquals(1, hottest);
        // another reference ratio: interpolated between 0.3 and 0.5
        s.referenceRatioProperty().set(0.4);
        GroupRow any = vm.groups().row(s.curves().get(0).id());
        var pts = r.group(any.id()).orElseThrow().points();
        assertEquals((pts.get(1).damage() + pts.get(2).damage()) / 2, any.damageProperty().get(), 1e-12);

        // a second window on the same model: shown at once from the cache, nothing measured
        MainViewModel again = open(DIGITS);
        SensitivityViewModel s2 = again.sensitivity();
        assertEquals(measured, s2.curves().size(), s2.statusProperty().get());
        assertTrue(s2.statusProperty().get().contains("from the cache"), s2.statusProperty().get());
        assertEquals(r.groups(), s2.resultProperty().get().groups());
        // other settings: not the cached table
        s2.samplesProperty().set(SAMPLES + 1);
        assertTrue(s2.curves().isEmpty());
        assertNull(s2.resultProperty().get());
    }

    @Test
    void clickingACurveSelectsItsGroup() {
        MainViewModel vm = open(DIGITS);
        SensitivityViewModel s = vm.sensitivity();
        s.run();
        String id = s.curves().get(s.curves().size() - 1).id();
        s.selectGroup(id);
        assertEquals(id, vm.groups().selectedProperty().get().id());
        assertEquals(id, s.selectedGroup());
        // the graph shows the group (its first member's node is selected)
        assertNotNull(vm.graph().overlayProperty().get());
    }

    @Test
    void aMacsTargetLoadsAPlanThatMeetsItAndUndoRestoresTheSettings() {
        MainViewModel vm = open(DIGITS);
        SensitivityViewModel s = vm.sensitivity();
        PruneViewModel prune = vm.prune();
        prune.setRoundTo(1);
        var before = prune.snapshot();
        s.targetKindProperty().set(TargetKind.MACS);
        s.targetTextProperty().set("50 %");
        s.findPlan();
        assertNotNull(s.decidedProperty().get(), s.targetStatusProperty().get());
        var plan = prune.outcomeProperty().get();
        double macs = plan.after().macsFraction(plan.before());
        assertTrue(macs <= 0.5, "MACs kept " + macs);
        assertTrue(macs > 0.4, "not far below the target: " + macs);
        assertTrue(s.targetStatusProperty().get().startsWith("✔ met: MACs"), s.targetStatusProperty().get());
        assertTrue(s.decidedProperty().get().outcome().plan() == plan.plan(), "the decided plan itself is shown, not re-planned");
        // the settings say what was asked: MACs ≤ 50 %, per-group ratios as overrides
        assertEquals(PruneTarget.Kind.MACS, prune.targetKindProperty().get());
        assertEquals(0.5, vm.groups().globalRatioProperty().get(), 1e-12);
        var overrides = prune.snapshot().overrides();
        for (GroupRow row : vm.groups().rows()) {
            if (!row.isPrunable()) continue;
            // allocated ratios; groups the allocator left whole say 0, not the global ratio
            assertEquals(s.decidedProperty().get().ratios().getOrDefault(row.id(), 0.0), overrides.get(row.id()), row.id());
        }
        // it was rewritten and verified, and the verified model keeps at most half the MACs
        assertTrue(prune.prunedProperty().get().verified(), prune.pruneStatusProperty().get());
        // the sensitivity table it used is now shown too (same cache)
        vm.sensitivity().loadCached();
        assertFalse(s.curves().isEmpty());
        // undo: the settings before
        vm.undo().undo();
        assertEquals(before, prune.snapshot());
        assertEquals(PruneTarget.Kind.RATIO, prune.outcomeProperty().get().plan().settings().pruning().target().kind());
        // redo: the decided plan again, not a re-plan of its settings
        vm.undo().redo();
        assertTrue(prune.outcomeProperty().get().plan() == plan.plan());
    }

    @Test
    void targetsAreParsed() {
        assertEquals(0.5, SensitivityViewModel.parseTarget(TargetKind.MACS, "50 %"), 1e-12);
        assertEquals(0.5, SensitivityViewModel.parseTarget(TargetKind.MACS, "50"), 1e-12);
        assertEquals(0.25, SensitivityViewModel.parseTarget(TargetKind.PARAMS, "0.25"), 1e-12);
        assertEquals(0.6, SensitivityViewModel.parseTarget(TargetKind.LATENCY, "0.6×"), 1e-12);
        assertEquals(0.6, SensitivityViewModel.parseTarget(TargetKind.LATENCY, "0.6x"), 1e-12);
        assertEquals(0.97, SensitivityViewModel.parseTarget(TargetKind.ACCURACY, "97 %"), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> SensitivityViewModel.parseTarget(TargetKind.LATENCY, "1x"));
        assertThrows(IllegalArgumentException.class, () -> SensitivityViewModel.parseTarget(TargetKind.MACS, "150 %"));
        assertThrows(IllegalArgumentException.class, () -> SensitivityViewModel.parseTarget(TargetKind.ACCURACY, "101 %"));
        var e = assertThrows(IllegalArgumentException.class, () -> SensitivityViewModel.parseTarget(TargetKind.MACS, "half"));
        assertEquals("'half' is not a number (write e.g. 50 % or 0.5)", e.getMessage());

        MainViewModel vm = open(DIGITS);
        SensitivityViewModel s = vm.sensitivity();
        s.targetKindProperty().set(TargetKind.MACS);
        s.targetTextProperty().set("half");
        s.findPlan();
        assertEquals("'half' is not a number (write e.g. 50 % or 0.5)", s.targetStatusProperty().get());
    }

    @Test
    void anAccuracyTargetLoadsTheSmallestPlanThatKeepsItOnTheLabelledData() {
        MainViewModel vm = open(DIGITS);
        SensitivityViewModel s = vm.sensitivity();
        PruneViewModel prune = vm.prune();
        var before = prune.snapshot();
        s.targetKindProperty().set(TargetKind.ACCURACY);
        s.targetTextProperty().set("97 %");
        s.findPlan();
        String status = s.targetStatusProperty().get();
        assertTrue(status.startsWith("✔ met: accuracy"), status);
        assertTrue(status.contains("digits_test.csv"), "says which rows: " + status);
        var d = s.decidedProperty().get();
        var a = d.accuracy();
        assertEquals(360, a.samples(), "all rows of the CSV next to the model");
        assertTrue(a.chosenTrial().accuracy() >= 0.97, a.chosenTrial().describe());
        assertTrue(a.chosenTrial().macsFraction() < 1);
        for (var t : a.trials()) {
            if (t.macsFraction() < a.chosenTrial().macsFraction() - 1e-12) assertFalse(t.meets(), t.describe());
        }
        // the decided plan is loaded as it is, verified, and its accuracy measured again by the app's own evaluation
        assertTrue(prune.outcomeProperty().get().plan() == d.outcome().plan());
        assertTrue(prune.prunedProperty().get().verified(), prune.pruneStatusProperty().get());
        assertEquals(a.chosenTrial().macsFraction(), prune.outcomeProperty().get().after().macsFraction(prune.outcomeProperty().get().before()), 1e-12);
        prune.evaluate(3);
        assertEquals(a.chosenTrial().accuracy(), prune.accuracyProperty().get().pruned(), 1e-12);
        // one undoable step
        vm.undo().undo();
        assertEquals(before, prune.snapshot());
        // an unreachable target: the original itself scores 99.72 % on these rows
        s.targetTextProperty().set("99.9 %");
        s.findPlan();
        assertTrue(s.targetStatusProperty().get().startsWith("✘ the original") && s.targetStatusProperty().get().contains("nothing loaded"),
                s.targetStatusProperty().get());
        assertEquals(before, prune.snapshot(), "the plan is left as it was");
    }

    @Test
    void anAccuracyTargetWithoutLabelledDataSaysSo() throws Exception {
        Path model = Files.copy(DIGITS, dir.resolve("nolabels.onnx"));
        MainViewModel vm = open(model);
        SensitivityViewModel s = vm.sensitivity();
        var plan = vm.prune().outcomeProperty().get();
        s.targetKindProperty().set(TargetKind.ACCURACY);
        s.targetTextProperty().set("97 %");
        s.findPlan();
        assertEquals(SensitivityViewModel.ACCURACY_NEEDS_LABELS, s.targetStatusProperty().get());
        assertTrue(vm.prune().outcomeProperty().get() == plan, "the plan is left as it was");
    }

    @Test
    void evaluatedPlansBecomeParetoPointsThatRestoreTheirPlan() {
        MainViewModel vm = open(DIGITS);
        PruneViewModel prune = vm.prune();
        ParetoViewModel pareto = vm.pareto();
        // plan 1: uniform 30 %
        assertTrue(prune.prunedProperty().get().verified());
        var plan1 = prune.outcomeProperty().get();
        prune.evaluate(3);
        assertEquals(1, pareto.points().size());
        ParetoViewModel.Point p1 = pareto.points().get(0);
        assertEquals("accuracy", p1.metric(), "digits has a labelled data set next to it");
        assertEquals(prune.accuracyProperty().get().pruned(), p1.quality(), 0);
        assertEquals(plan1.after().macsFraction(plan1.before()), p1.macs(), 1e-12);
        assertTrue(p1.latency() > 0);
        // plan 2: decided by the target box
        vm.sensitivity().targetTextProperty().set("40 %");
        vm.sensitivity().findPlan();
        var plan2 = prune.outcomeProperty().get();
        assertTrue(plan2.after().macsFraction(plan2.before()) <= 0.4);
        prune.evaluate(3);
        assertEquals(2, pareto.points().size());
        ParetoViewModel.Point p2 = pareto.points().get(1);
        assertTrue(p2.state().decided() != null);
        assertEquals(plan2.after().macsFraction(plan2.before()), p2.macs(), 1e-12);
        // restore point 1: its settings are planned again, giving the same plan
        pareto.restore(p1);
        assertEquals(plan1.plan().groups().keySet(), prune.outcomeProperty().get().plan().groups().keySet());
        plan1.plan().groups().forEach((id, g) -> assertEquals(g.keptCount(),
                prune.outcomeProperty().get().plan().groups().get(id).keptCount(), id));
        // restore point 2: the decided plan itself; undo goes back to point 1's
        pareto.restore(p2);
        assertTrue(prune.outcomeProperty().get().plan() == plan2.plan());
        vm.undo().undo();
        assertEquals(PruneTarget.Kind.RATIO, prune.targetKindProperty().get());
        // the Pareto front: nothing beats a front point on both quality and cost
        List<ParetoViewModel.Point> front = ParetoViewModel.front(pareto.points(), false);
        assertFalse(front.isEmpty());
    }

    @Test
    void withoutLabelsThePointsAreFidelity() throws Exception {
        // a copy of the sample without its data set next to it
        Path model = Files.copy(DIGITS, dir.resolve("nolabels.onnx"));
        MainViewModel vm = open(model);
        PruneViewModel prune = vm.prune();
        assertTrue(prune.prunedProperty().get().verified());
        prune.evaluate(3);
        assertEquals(1, vm.pareto().points().size());
        ParetoViewModel.Point p = vm.pareto().points().get(0);
        assertEquals("fidelity", p.metric());
        assertTrue(p.quality() > 0 && p.quality() < 1, "a pruned model's outputs differ: cosine " + p.quality());
        assertEquals(1, p.original(), 0);
    }

    @Test
    void theFrontKeepsOnlyUnbeatenPlans() {
        var a = new ParetoViewModel.Point(1, 0.5, 0.5, 0.5, "accuracy", 0.9, 1, "a", null);
        var b = new ParetoViewModel.Point(2, 0.6, 0.6, 0.6, "accuracy", 0.8, 1, "b", null); // worse on both
        var c = new ParetoViewModel.Point(3, 0.4, 0.7, 0.7, "accuracy", 0.7, 1, "c", null); // faster, worse
        assertEquals(List.of(a, c), ParetoViewModel.front(List.of(a, b, c), true));
        assertEquals(List.of(a), ParetoViewModel.front(List.of(a, b, c), false));
    }

    @Test
    void aLatencyTargetSearchesTimedPlansAndLoadsTheOneItReports() {
        MainViewModel vm = open(DIGITS);
        SensitivityViewModel s = vm.sensitivity();
        s.targetKindProperty().set(TargetKind.LATENCY);
        s.targetTextProperty().set("0.9x");
        s.findPlan();
        var d = s.decidedProperty().get();
        assertNotNull(d, s.targetStatusProperty().get());
        assertNotNull(d.latency());
        assertFalse(d.latency().trials().isEmpty());
        String status = s.targetStatusProperty().get();
        if (d.outcome() == null) {
            // nothing faster than the original on this machine: nothing is loaded, and the status says so
            assertTrue(status.startsWith("No plan tried ran faster than the original"), status);
            return;
        }
        var chosen = d.latency().chosenTrial();
        assertTrue(chosen.fraction() < 1, "never a plan slower than the original: " + chosen);
        assertEquals(d.latency().met(), chosen.fraction() <= 0.9);
        assertTrue(status.startsWith(d.latency().met() ? "✔ met: latency" : "✘ not met"), status);
        assertTrue(status.contains(String.format(java.util.Locale.ROOT, "%.3f×", chosen.fraction())), status);
        // the loaded plan is the chosen trial's, shown as a MACs target at what it keeps
        var plan = vm.prune().outcomeProperty().get();
        assertTrue(plan.plan() == d.outcome().plan());
        assertEquals(chosen.macsFraction(), plan.after().macsFraction(plan.before()), 1e-9);
        assertEquals(PruneTarget.Kind.MACS, vm.prune().targetKindProperty().get());
    }
}
