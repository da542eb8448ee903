package dev.lopper.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.app.groups.GroupNames;
import dev.lopper.app.groups.GroupRow;
import dev.lopper.app.groups.GroupsView;
import dev.lopper.app.prune.PruneViewModel;
import dev.lopper.app.task.DirectTaskRunner;
import dev.lopper.app.task.TaskRunner;
import dev.lopper.runtime.BenchResult;
import dev.lopper.runtime.LatencyListener;
import dev.lopper.runtime.LatencyStats;
import dev.lopper.graph.ModelGraph;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.prune.PruningPlan;
import dev.lopper.prune.PruningSettings;
import dev.lopper.task.Progress;

/**
 * Issue 11's bugs a new user hit, at the view-model level. The work runs on the test thread
 * ({@link DirectTaskRunner}): no toolkit, no Stage, no polling.
 */
class NewUserViewModelTest {
    static final Path DIGITS = Path.of("samples", "digits_cnn.onnx");
    static final Path ENCODER = Path.of("samples", "tiny_encoder.onnx");

    @TempDir
    Path dir;

    /** CoreServices with a hook run inside prune and compareLatency (to cancel from inside the work). */
    static final class Hooked implements ModelServices {
        final CoreServices core = new CoreServices();
        Runnable inPrune = () -> { };
        Runnable inTiming = () -> { };

        @Override public ModelGraph loadGraph(OnnxModel model, Progress p) throws ModelLoadException { return core.loadGraph(model, p); }

        @Override public GroupsResult analyze(ModelGraph graph, Progress p) { return core.analyze(graph, p); }

        @Override public PlanOutcome plan(LoadedModel m, List<CoupledGroup> g, ScoringOptions s, PruningSettings ps, Progress p)
                throws Exception { return core.plan(m, g, s, ps, p); }

        @Override public LatencyStats measureLatency(LoadedModel m, int runs, RunInputs in, LatencyListener l, Progress p) {
            return core.measureLatency(m, runs, in, l, p);
        }

        @Override public PruneOutcome prune(LoadedModel m, GroupsResult g, PruningPlan plan, RunInputs in, boolean c, Progress p) throws Exception {
            inPrune.run();
            p.checkCancelled();
            return core.prune(m, g, plan, in, c, p);
        }

        @Override public BenchResult compareLatency(LoadedModel m, byte[] pruned, int runs, RunInputs in, LatencyListener l, Progress p) {
            inTiming.run();
            p.checkCancelled();
            return core.compareLatency(m, pruned, runs, in, l, p);
        }

        @Override public Accuracy accuracy(LoadedModel m, byte[] pruned, RunInputs in, Progress p) { return core.accuracy(m, pruned, in, p); }

        @Override public Map<String, Double> profile(LoadedModel m, RunInputs in, Progress p) { return core.profile(m, in, p); }

        @Override public Map<String, Map<String, Double>> profileBoth(LoadedModel m, byte[] b, RunInputs in, Progress p) {
            return core.profileBoth(m, b, in, p);
        }

        @Override public void export(LoadedModel m, byte[] pruned, Path target, Progress p) throws Exception { core.export(m, pruned, target, p); }

        @Override public Exported exportChecked(LoadedModel m, PruneOutcome pruned, RunInputs in, boolean allowSlower, Path target,
                                                Progress p) throws Exception {
            return core.exportChecked(m, pruned, in, allowSlower, target, p);
        }
    }

    final Hooked services = new Hooked();
    final AtomicReference<DirectTaskRunner> runner = new AtomicReference<>();

    MainViewModel open(Path model) {
        MainViewModel vm = new MainViewModel(services, RecentFiles.inMemory(), () -> {
            DirectTaskRunner r = new DirectTaskRunner();
            runner.compareAndSet(null, r);
            return r;
        });
        vm.open(model);
        assertNull(vm.errorProperty().get());
        assertTrue(vm.groups().analysedProperty().get());
        return vm;
    }

    @Test
    void bug2GroupsHaveReadableNames() {
        assertEquals("block1 conv1 out", GroupNames.readable("g:/block1/conv1/conv1.0/Conv/out"));
        assertEquals("layers.0 attention query · heads", GroupNames.readable("g:/layers.0/attention/query/MatMul/out.outer"));
        assertEquals("layers.1 attention value · per-head dims", GroupNames.readable("g:/layers.1/attention/value/MatMul/out.inner"));
        assertEquals("stem · groups", GroupNames.readable("g:/stem/stem.0/Conv/out.groups"));
        assertEquals("fc out", GroupNames.readable("g:/fc/Gemm/out"));
        assertEquals("conv_3 out", GroupNames.readable("g:conv_3/out"));
    }

    @Test
    void bug3TheStripMarksWhatThePlanRemoves() {
        MainViewModel vm = open(DIGITS);
        // 48 channels, 30 %, round-to 8: 14 by round(n·ratio), but the plan keeps 40 (8 removed)
        GroupRow fuse = vm.groups().row("g:/fuse/fuse.0/Conv/out");
        assertEquals(48, fuse.channels());
        assertEquals(40, fuse.keptProperty().get());
        assertEquals(8, count(GroupsView.removedInSortedOrder(fuse)));
        // the graph's overlay reads the same plan
        vm.groups().select(fuse);
        boolean[] onGraph = vm.graph().overlayProperty().get().removed();
        assertEquals(8, count(onGraph));
        // a group the plan leaves whole shows no red
        GroupRow block1 = vm.groups().row("g:/block1/conv1/conv1.0/Conv/out");
        assertEquals(24, block1.keptProperty().get());
        assertEquals(0, count(GroupsView.removedInSortedOrder(block1)));
        // an override changes both
        vm.groups().setOverride(fuse, 0.5);
        assertEquals(24, count(GroupsView.removedInSortedOrder(fuse)));
        assertEquals(24, count(vm.graph().overlayProperty().get().removed()));
    }

    static int count(boolean[] b) {
        int n = 0;
        for (boolean x : b) if (x) n++;
        return n;
    }

    @Test
    void bug4ResultsBelongToAPlan() throws Exception {
        MainViewModel vm = open(DIGITS);
        PruneViewModel prune = vm.prune();
        assertTrue(prune.prunedProperty().get().verified(), prune.pruneStatusProperty().get());
        prune.evaluate(3);
        assertEquals(3, prune.originalLatency().size());
        assertEquals(3, prune.prunedLatency().size());
        assertNotNull(prune.accuracyProperty().get());
        assertTrue(prune.latencyStatusProperty().get().contains("top-1"), prune.latencyStatusProperty().get());
        // a plan change: the old numbers go
        vm.groups().setGlobalRatio(0.5);
        assertEquals(0.5, prune.outcomeProperty().get().plan().settings().pruning().target().value(), 1e-12);
        assertEquals(List.of(), List.copyOf(prune.originalLatency()));
        assertEquals(List.of(), List.copyOf(prune.prunedLatency()));
        assertNull(prune.accuracyProperty().get());
        assertEquals("", prune.latencyStatusProperty().get());
        // again, then another model: nothing of the first stays
        prune.evaluate(3);
        assertEquals(3, prune.prunedLatency().size());
        vm.open(TestModels.residualCnn(dir.resolve("cnn.onnx")));
        assertEquals(dir.resolve("cnn.onnx").toAbsolutePath().normalize(), vm.loaded().path());
        assertEquals(0, prune.originalLatency().size());
        assertEquals(0, prune.prunedLatency().size());
        assertNull(prune.accuracyProperty().get());
        assertEquals("", prune.latencyStatusProperty().get());
    }

    @Test
    void bug5CancelResetsTheStatusAndKeepsExport() {
        MainViewModel vm = open(DIGITS);
        PruneViewModel prune = vm.prune();
        assertTrue(prune.prunedProperty().get().verified());
        // cancel while timing: the status says so, the verified model stays exportable
        services.inTiming = () -> runner.get().cancelCurrent();
        prune.evaluate(3);
        assertEquals("Timing cancelled", prune.latencyStatusProperty().get());
        assertNotNull(prune.prunedProperty().get().model(), "export stays enabled");
        // cancel while rewriting with compensation: no "Compensating…" left on screen
        services.inPrune = () -> runner.get().cancelCurrent();
        prune.setCompensate(true);
        String status = prune.pruneStatusProperty().get();
        assertTrue(status.startsWith("Cancelled"), status);
    }

    @Test
    void bug6ExportAndSavePlanConfirm() throws Exception {
        MainViewModel vm = open(DIGITS);
        PruneViewModel prune = vm.prune();
        Path out = dir.resolve("pruned.onnx");
        AtomicReference<String> done = new AtomicReference<>();
        prune.export(out, done::set, e -> done.set("failed " + e));
        assertEquals("Exported " + out, done.get());
        String notice = prune.noticeProperty().get();
        // the never-slower check of lopper prune -o: the digits sample is below its threshold
        assertTrue(notice.startsWith("Exported " + out + " (") && notice.contains("kB, verified in ONNX Runtime) · speed not timed: ")
                && notice.endsWith(" MACs, below 20,000,000, where timing noise exceeds what pruning changes"), notice);
        Path plan = dir.resolve("plan.json");
        prune.savePlan(plan);
        assertTrue(Files.size(plan) > 0);
        assertEquals("Saved the plan to " + plan + " (lopper prune --plan reads it)", prune.noticeProperty().get());
    }

    @Test
    void bug8TheTinyEncoderPrunesAndEvaluatesOutOfTheBox() {
        MainViewModel vm = open(ENCODER);
        PruneViewModel prune = vm.prune();
        // int inputs default to the embedding table (64 tokens), not 0..99
        assertNull(prune.inputsProperty().get().ints());
        assertNotNull(prune.prunedProperty().get(), prune.pruneStatusProperty().get());
        assertTrue(prune.prunedProperty().get().verified(), prune.pruneStatusProperty().get());
        // the data set has 17 tokens: its rows fix the free sequence axis (the default is 16), so accuracy comes too
        prune.evaluate(3);
        String status = prune.latencyStatusProperty().get();
        assertTrue(status.startsWith("median "), status);
        assertTrue(status.contains("on tiny_encoder_test.csv (512)"), status);
        assertNotNull(prune.accuracyProperty().get(), status);
        assertEquals(512, prune.accuracyProperty().get().samples());
        // the input-shape control: sequences of 17 → accuracy on the CSV
        prune.setInputs(prune.inputsProperty().get().withShapes(RunInputs.parseShapes("input_ids=1,17")));
        assertTrue(prune.prunedProperty().get().verified(), prune.pruneStatusProperty().get());
        prune.evaluate(3);
        assertNotNull(prune.accuracyProperty().get(), prune.latencyStatusProperty().get());
        assertEquals("tiny_encoder_test.csv", prune.accuracyProperty().get().dataset());
        assertEquals(512, prune.accuracyProperty().get().samples());
        assertTrue(prune.accuracyProperty().get().original() > 0.9, "" + prune.accuracyProperty().get());
    }

    @Test
    void inputShapesParseAndFormat() {
        var p = RunInputs.parseShapes("input_ids=1,17; mask=1,17");
        assertEquals("input_ids=1,17; mask=1,17", RunInputs.formatShapes(p));
        assertEquals("", RunInputs.formatShapes(RunInputs.parseShapes("  ")));
        var e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> RunInputs.parseShapes("input_ids=1,x"));
        assertEquals("--input-shape 'input_ids=1,x': 'x' is not a whole number", e.getMessage());
    }

    @Test
    void directRunnerRunsAtOnce() {
        TaskRunner r = new DirectTaskRunner();
        AtomicReference<String> got = new AtomicReference<>();
        r.run("t", p -> "done", got::set, e -> got.set("failed"), () -> got.set("cancelled"));
        assertEquals("done", got.get());
        r.run("t", p -> { throw new IllegalStateException("x"); }, got::set, e -> got.set("failed " + e.getMessage()));
        assertEquals("failed x", got.get());
        assertFalse(r.busyProperty().get());
    }

    @Test
    void shapeComputationsCanBeHidden() {
        MainViewModel vm = open(ENCODER);
        var full = vm.graph().sceneProperty().get();
        var hidden = dev.lopper.app.graph.ShapeComputations.find(vm.loaded().graph());
        var ops = new java.util.TreeMap<String, Integer>();
        for (String n : hidden) ops.merge(vm.loaded().graph().node(n).opType(), 1, Integer::sum);
        System.out.println("tiny_encoder shape computations: " + ops);
        assertTrue(ops.getOrDefault("Shape", 0) > 0, ops.toString());
        // data never flows through them: no weighted op, activation or normalization is hidden
        for (String op : List.of("MatMul", "Gemm", "Softmax", "Erf", "Tanh", "ReduceMean", "Reshape", "Transpose")) {
            assertFalse(ops.containsKey(op), op + " hidden: " + ops);
        }
        vm.graph().hideShapeOpsProperty().set(true);
        var lean = vm.graph().sceneProperty().get();
        assertEquals(hidden, lean.hidden());
        assertEquals(full.boxes().size() - hidden.size(), lean.boxes().size());
        // every Reshape still has its data input drawn
        for (var b : lean.boxes()) {
            if (b.node() == null || !b.node().opType().equals("Reshape")) continue;
            assertTrue(lean.edges().stream().anyMatch(e -> e.target() == b.index()), b.name());
        }
        vm.graph().hideShapeOpsProperty().set(false);
        assertEquals(full.boxes().size(), vm.graph().sceneProperty().get().boxes().size());
    }

    @Test
    void explainAGroupListsItsCouplingsAndTheLockingNode() {
        MainViewModel vm = open(DIGITS);
        var g = vm.groups();
        g.select(g.row("g:/branch_a/branch_a.0/Conv/out"));
        List<String> why = g.explanationProperty().get();
        why.forEach(l -> System.out.println("branch_a: " + l));
        assertEquals(why, vm.inspector().groupExplanationProperty().get());
        assertTrue(why.stream().anyMatch(l -> l.matches("\\d+\\. Concat at Concat places these channels at \\[0, 24\\) of its output, next to the other inputs")), why.toString());
        assertTrue(why.get(0).startsWith("1. "), why.get(0));
        var overlay = vm.graph().overlayProperty().get();
        var scene = vm.graph().sceneProperty().get();
        assertTrue(overlay.couplings().containsKey(scene.boxOf("/Concat")));
        assertEquals(-1, overlay.lockingBox());
        // the residual trunk: an Add ties the two branches
        g.select(g.row("g:/stem/stem.0/Conv/out.groups"));
        why = g.explanationProperty().get();
        why.forEach(l -> System.out.println("stem groups: " + l));
        assertTrue(why.stream().anyMatch(l -> l.contains("Add at ") && l.contains(" ties the channels of ")), why.toString());
        // a locked group names the node that locks it, on the graph too
        g.select(g.row("g:/fc/Gemm/out"));
        why = g.explanationProperty().get();
        assertEquals("Locked at fc/Gemm: graph output 'logits'", why.get(0));
        assertEquals(scene.boxOf("/fc/Gemm"), vm.graph().overlayProperty().get().lockingBox());
    }
}
