package dev.lopper.app;

import static dev.lopper.app.FxTestSupport.onFx;
import static dev.lopper.app.FxTestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.prefs.Preferences;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.app.graph.GraphScene;
import dev.lopper.app.groups.GroupRow;
import dev.lopper.app.groups.GroupsViewModel;
import dev.lopper.app.inspector.InspectorContent;
import dev.lopper.graph.ModelGraph;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.task.Progress;

/** The view-models, driven without a Stage (the FX toolkit runs headless for property threading). */
class MainViewModelTest {
    @TempDir
    static Path dir;
    static Path cnn;
    Preferences prefs;
    MainViewModel vm;

    @BeforeAll
    static void start() throws Exception {
        FxTestSupport.startToolkit();
        cnn = TestModels.residualCnn(dir.resolve("cnn.onnx"));
    }

    @BeforeEach
    void create() throws Exception {
        prefs = Preferences.userRoot().node("dev/lopper/app-test-" + System.nanoTime());
        vm = onFx(() -> new MainViewModel(new CoreServices(), new RecentFiles(prefs)));
    }

    @AfterEach
    void cleanup() throws Exception {
        prefs.removeNode();
    }

    void openAndWait(Path p) throws Exception {
        onFx(() -> vm.open(p));
        waitFor(() -> vm.loaded() != null && vm.loaded().path().equals(p.toAbsolutePath().normalize())
                && vm.groups().analysedProperty().get(), 20_000);
    }

    @Test
    void opensAModelInTheBackgroundAndRemembersIt() throws Exception {
        openAndWait(cnn);
        GraphScene s = vm.loaded().scene();
        // 20 op nodes + 1 input + 1 output
        assertEquals(22, s.boxes().size());
        assertEquals(20, vm.loaded().graph().nodes().size());
        assertEquals(cnn.toAbsolutePath().normalize(), onFx(() -> vm.recent().files().get(0)));
        assertEquals(List.of(cnn.toAbsolutePath().normalize()), new RecentFiles(prefs).files());
        assertEquals("cnn.onnx — Lopper", onFx(() -> vm.titleProperty().get()));
        assertTrue(onFx(() -> vm.statusProperty().get()).startsWith("20 nodes"));
    }

    @Test
    void aBadFileGivesOneLineAndKeepsTheOpenModel() throws Exception {
        openAndWait(cnn);
        Path bad = Files.writeString(dir.resolve("bad.onnx"), "not a model at all");
        onFx(() -> vm.open(bad));
        waitFor(() -> vm.errorProperty().get() != null, 20_000);
        String msg = onFx(() -> vm.errorProperty().get());
        assertTrue(msg.startsWith("cannot read " + bad.toAbsolutePath().normalize() + ": "), msg);
        assertFalse(msg.contains("\n"));
        assertEquals(cnn.toAbsolutePath().normalize(), vm.loaded().path());
        assertEquals(1, onFx(() -> vm.recent().files().size()));
    }

    @Test
    void searchFindsOpTypesFirstAndCycles() throws Exception {
        openAndWait(cnn);
        onFx(() -> vm.graph().queryProperty().set("conv"));
        List<Integer> matches = onFx(() -> List.copyOf(vm.graph().matches()));
        // 5 Conv nodes by op type, then tensors/names containing "conv" (BatchNorms read *_conv tensors)
        GraphScene s = vm.loaded().scene();
        for (int i = 0; i < 5; i++) assertEquals("Conv", s.boxes().get(matches.get(i)).title());
        assertEquals(10, matches.size());
        assertEquals(matches.get(0), onFx(() -> vm.graph().selectedBoxProperty().get()));
        onFx(() -> vm.graph().previousMatch());
        assertEquals(matches.get(matches.size() - 1), onFx(() -> vm.graph().selectedBoxProperty().get()));
        onFx(() -> vm.graph().queryProperty().set("fc.w"));
        assertEquals("Gemm", s.boxes().get(onFx(() -> vm.graph().matches().get(0))).title());
    }

    @Test
    void inspectorShowsAttributesTensorsStatsAndGroups() throws Exception {
        openAndWait(cnn);
        onFx(() -> vm.graph().queryProperty().set("b0a.w"));
        waitFor(() -> vm.inspector().contentProperty().get() != null
                && vm.inspector().contentProperty().get().inputs().get(1).stats() != null, 10_000);
        InspectorContent c = onFx(() -> vm.inspector().contentProperty().get());
        assertEquals("Conv", c.heading());
        assertEquals("[1, 1, 1, 1]", c.attributes().stream().filter(r -> r.key().equals("pads")).findFirst().orElseThrow().value());
        InspectorContent.TensorRow w = c.inputs().get(1);
        assertEquals("b0a.w", w.name());
        assertEquals("8×8×3×3", w.shape());
        assertEquals("initializer", w.role());
        assertEquals(576, w.stats().count());
        assertEquals(576, java.util.Arrays.stream(w.stats().bins()).sum());
        assertTrue(w.stats().min() < 0 && w.stats().max() > 0);
        assertEquals("1×8×16×16", c.outputs().get(0).shape());
        // its own output group, and the trunk group whose channels it consumes
        assertEquals(2, c.groups().size(), c.groups().toString());
        assertTrue(c.groups().contains("g:conv_3/out · 8 ch · prunable"), c.groups().toString());
    }

    @Test
    void groupsFilterOverrideUndoAndOverlay() throws Exception {
        openAndWait(cnn);
        GroupsViewModel g = vm.groups();
        assertEquals(4, onFx(() -> g.rows().size()));
        assertEquals("4 groups · 3 prunable · 1 locked", onFx(() -> g.summaryProperty().get()));
        onFx(() -> g.prunableOnlyProperty().set(true));
        assertEquals(3, onFx(() -> g.visibleRows().size()));
        onFx(() -> g.filterProperty().set("b1a_relu"));
        assertEquals(1, onFx(() -> g.visibleRows().size()));
        onFx(() -> { g.filterProperty().set(""); g.prunableOnlyProperty().set(false); });

        GroupRow b0 = onFx(() -> g.row("g:conv_3/out"));
        assertEquals(0.3, b0.effectiveRatio(), 1e-12);
        // a slider drag: three values merge into one undo step
        onFx(() -> { g.setOverride(b0, 0.4); g.setOverride(b0, 0.5); g.setOverride(b0, 0.6); });
        assertEquals(0.6, b0.effectiveRatio(), 1e-12);
        assertEquals(1, vm.undo().size());
        onFx(() -> g.setGlobalRatio(0.5));
        assertEquals(0.6, b0.effectiveRatio(), 1e-12, "own ratio wins over the global one");
        assertEquals(0.5, onFx(() -> g.row("g:conv_10/out").effectiveRatio()), 1e-12);
        onFx(() -> vm.undo().undo());
        assertEquals(0.3, onFx(() -> g.globalRatioProperty().get()), 1e-12);
        onFx(() -> vm.undo().undo());
        assertFalse(b0.hasOverride());
        onFx(() -> vm.undo().redo());
        assertEquals(0.6, b0.effectiveRatio(), 1e-12);
        assertEquals(java.util.Map.of("g:conv_3/out", 0.6), onFx(g::overrides));

        // selecting a group marks its members on the graph; a locked one carries its reason
        onFx(() -> g.select(b0));
        var overlay = onFx(() -> vm.graph().overlayProperty().get());
        assertEquals(4, overlay.heat().size());
        assertFalse(overlay.locked());
        onFx(() -> g.select(g.row("g:gemm_19/out")));
        overlay = onFx(() -> vm.graph().overlayProperty().get());
        assertTrue(overlay.locked());
        assertEquals("graph output 'logits'", overlay.lockReason());
        assertEquals("Gemm", vm.graph().selectedNode().opType());
    }

    @Test
    void openingAnotherModelClearsSelectionAndUndo() throws Exception {
        openAndWait(cnn);
        onFx(() -> vm.groups().setGlobalRatio(0.7));
        onFx(() -> vm.graph().select(3));
        Path other = TestModels.residualCnn(dir.resolve("other.onnx"));
        openAndWait(other);
        assertEquals(-1, onFx(() -> vm.graph().selectedBoxProperty().get()));
        assertEquals(0, vm.undo().size());
        assertNull(onFx(() -> vm.inspector().contentProperty().get()));
        assertNotNull(vm.loaded());
    }

    @Test
    void plansInTheBackgroundAfterSettingsChangeAndLabelsTheGraph() throws Exception {
        openAndWait(cnn);
        var prune = vm.prune();
        try {
            waitFor(() -> prune.outcomeProperty().get() != null, 20_000);
        } catch (AssertionError e) {
            throw new AssertionError("no plan: " + onFx(() -> prune.planStatusProperty().get()));
        }
        GroupsViewModel g = vm.groups();
        // 30% of 8 channels, rounded up to a multiple of 8 → nothing removed with round-to 8
        assertEquals(8, onFx(() -> g.row("g:conv_3/out").keptProperty().get()));
        onFx(() -> prune.setRoundTo(1));
        waitFor(() -> prune.outcomeProperty().get() != null
                && prune.outcomeProperty().get().plan().settings().pruning().roundTo() == 1, 20_000);
        // uniform 30%: 8 - round(2.4) = 6 kept (at least 5, at most 6 depending on rounding)
        int kept = onFx(() -> g.row("g:conv_3/out").keptProperty().get());
        assertTrue(kept == 5 || kept == 6, "kept " + kept);
        assertEquals(10, onFx(() -> g.row("g:gemm_19/out").keptProperty().get()), "locked groups stay whole");
        double[] imp = onFx(() -> g.row("g:conv_3/out").importanceProperty().get());
        assertEquals(8, imp.length);
        var out = prune.outcomeProperty().get();
        assertTrue(out.after().params() < out.before().params());
        // the Conv producing b0a_conv shows "8 → kept"
        GraphScene s = vm.loaded().scene();
        int conv = s.boxOf(vm.loaded().graph().producer("b0a_conv").orElseThrow().name());
        assertEquals("8 → " + kept, onFx(() -> vm.graph().channelLabelsProperty().get().get(conv)));
        // an override to 0.75 keeps 2; undo brings back the uniform plan
        onFx(() -> g.setOverride(g.row("g:conv_3/out"), 0.75));
        waitFor(() -> g.row("g:conv_3/out").keptProperty().get() == 2, 20_000);
        onFx(() -> vm.undo().undo());
        waitFor(() -> g.row("g:conv_3/out").keptProperty().get() == kept, 20_000);
        // save the plan in the CLI's format and load it back
        Path planFile = dir.resolve("plan.json");
        onFx(() -> { try { prune.savePlan(planFile); } catch (Exception e) { throw new RuntimeException(e); } });
        String json = Files.readString(planFile);
        assertTrue(json.contains("\"g:conv_3/out\""), json);
        onFx(() -> prune.setCriterion(dev.lopper.importance.Criterion.L2));
        onFx(() -> prune.loadPlan(planFile, e -> { throw new AssertionError(e); }));
        waitFor(() -> prune.criterionProperty().get() == dev.lopper.importance.Criterion.L1, 10_000);
        // a plan for another model is refused with one line
        java.util.concurrent.atomic.AtomicReference<String> err = new java.util.concurrent.atomic.AtomicReference<>();
        Path other = TestModels.residualCnn(dir.resolve("plan-other.onnx"));
        String json2 = json.replaceAll("\"[0-9a-f]{64}\"", "\"" + "0".repeat(64) + "\"");
        Path badPlan = Files.writeString(dir.resolve("bad-plan.json"), json2);
        onFx(() -> prune.loadPlan(badPlan, e -> err.set(MainViewModel.oneLine(e))));
        waitFor(() -> err.get() != null, 10_000);
        assertTrue(err.get().contains("was made for a model with sha256"), err.get());
    }

    @Test
    void latencyPointsStreamIntoTheViewModel() throws Exception {
        openAndWait(cnn);
        onFx(() -> vm.prune().measureLatency(12));
        waitFor(() -> vm.prune().originalLatency().size() == 12
                && vm.prune().latencyStatusProperty().get().startsWith("original: median"), 30_000);
        for (double ms : onFx(() -> List.copyOf(vm.prune().originalLatency()))) assertTrue(ms > 0);
    }

    @Test
    void prunesVerifiesComparesAndExports() throws Exception {
        openAndWait(cnn);
        var prune = vm.prune();
        GroupsViewModel g = vm.groups();
        onFx(() -> prune.setRoundTo(1));
        onFx(() -> g.setGlobalRatio(0.5));
        waitFor(() -> prune.prunedProperty().get() != null
                && prune.prunedProperty().get().applied().settings().pruning().roundTo() == 1
                && prune.prunedProperty().get().applied().settings().pruning().target().value() == 0.5, 40_000);
        var out = prune.prunedProperty().get();
        assertTrue(out.verified(), prune.pruneStatusProperty().get());
        assertTrue(onFx(() -> prune.pruneStatusProperty().get()).startsWith("✔ pruned model verified"));
        // the selected group is tinted by importance (finite heat in [0, 1])
        onFx(() -> g.select(g.row("g:conv_3/out")));
        for (double h : onFx(() -> vm.graph().overlayProperty().get().heat().values())) {
            assertTrue(h >= 0 && h <= 1, "heat " + h);
        }
        // original and pruned stream in alternately
        onFx(() -> prune.evaluate(6));
        waitFor(() -> prune.originalLatency().size() == 6 && prune.prunedLatency().size() == 6
                && prune.latencyStatusProperty().get().startsWith("median"), 40_000);
        // export: a model that loads, smaller than the original
        Path target = dir.resolve("pruned.onnx");
        java.util.concurrent.atomic.AtomicReference<String> done = new java.util.concurrent.atomic.AtomicReference<>();
        onFx(() -> prune.export(target, done::set, e -> done.set("failed: " + e)));
        waitFor(() -> done.get() != null, 20_000);
        assertEquals("Exported " + target, done.get());
        assertTrue(Files.size(target) < Files.size(cnn));
        assertEquals(20, OnnxModel.read(target).proto().getGraph().getNodeCount());
        // never over the opened file
        done.set(null);
        onFx(() -> prune.export(cnn, done::set, e -> done.set("failed: " + MainViewModel.oneLine(e))));
        waitFor(() -> done.get() != null, 20_000);
        assertTrue(done.get().startsWith("failed: "), done.get());
        assertEquals(20, OnnxModel.read(cnn).proto().getGraph().getNodeCount());
    }

    @Test
    void profileTimesShowInTheInspector() throws Exception {
        openAndWait(cnn);
        onFx(() -> vm.prune().profile());
        waitFor(() -> !vm.prune().profileMillisProperty().get().isEmpty(), 30_000);
        onFx(() -> vm.graph().selectNode(vm.loaded().graph().producer("stem_conv").orElseThrow().name()));
        waitFor(() -> vm.inspector().contentProperty().get() != null
                && vm.inspector().contentProperty().get().profile().endsWith("ms per run in the last profile"), 10_000);
    }

    @Test
    void repeatedBlocksCollapseAndExpand() throws Exception {
        Path sample = Path.of("samples", "digits_cnn.onnx");
        assertTrue(Files.isRegularFile(sample), "bundled sample " + sample + " missing");
        openAndWait(sample);
        GraphScene full = vm.loaded().scene();
        assertEquals(List.of("/block1", "/block2"), full.blocks().allBlocks());
        String conv = "/block1/conv1/conv1.0/Conv";
        onFx(() -> vm.graph().selectNode(conv));
        onFx(() -> vm.graph().collapseAll());
        waitFor(() -> vm.graph().sceneProperty().get() != full
                && vm.graph().sceneProperty().get().collapsed().size() == 2, 10_000);
        GraphScene collapsed = vm.graph().sceneProperty().get();
        long blocks = collapsed.boxes().stream().filter(b -> b.kind() == GraphScene.Kind.BLOCK).count();
        assertEquals(2, blocks);
        int block1 = collapsed.boxOf(conv);
        GraphScene.Box b1 = collapsed.boxes().get(block1);
        assertEquals(GraphScene.Kind.BLOCK, b1.kind());
        assertEquals(full.boxes().size() - b1.members().size() + 1
                - (int) collapsed.boxes().stream().filter(b -> b.kind() == GraphScene.Kind.BLOCK && b != b1)
                .mapToInt(b -> b.members().size() - 1).sum(), collapsed.boxes().size());
        assertEquals(block1, (int) onFx(() -> vm.graph().selectedBoxProperty().get()), "selection follows into the block");
        for (GraphScene.Edge e : collapsed.edges()) assertTrue(e.source() != e.target());
        onFx(() -> vm.graph().expand("/block1"));
        waitFor(() -> vm.graph().sceneProperty().get().collapsed().equals(java.util.Set.of("/block2")), 10_000);
        assertEquals(GraphScene.Kind.OP, vm.graph().sceneProperty().get().boxes()
                .get(vm.graph().sceneProperty().get().boxOf(conv)).kind());
    }

    @Test
    void tokenModelsVerifyWithAnIntRangeThatFitsTheVocabulary() throws Exception {
        Path encoder = Path.of("samples", "tiny_encoder.onnx");
        assertTrue(Files.isRegularFile(encoder), "bundled sample " + encoder + " missing");
        openAndWait(encoder);
        var prune = vm.prune();
        // by default int inputs are bounded by the embedding table (64 tokens): the first prune verifies as it is
        waitFor(() -> prune.pruneStatusProperty().get().startsWith("Pruning failed")
                || prune.prunedProperty().get() != null, 60_000);
        String first = onFx(() -> prune.pruneStatusProperty().get());
        assertNotNull(onFx(() -> prune.prunedProperty().get()), "verified with automatic int inputs: " + first);
        assertTrue(onFx(() -> prune.prunedProperty().get().verified()), first);
        // ids up to 99 overflow the 64-token vocabulary: verification cannot run, and says so
        onFx(() -> prune.setInputs(RunInputs.AUTO.withInts(new dev.lopper.runtime.IntRange(0, 99))));
        waitFor(() -> prune.pruneStatusProperty().get().startsWith("Pruning failed"), 60_000);
        String status = onFx(() -> prune.pruneStatusProperty().get());
        assertNull(onFx(() -> prune.prunedProperty().get()), "no pruned model without verification: " + status);
        onFx(() -> prune.setInputs(RunInputs.AUTO.withInts(new dev.lopper.runtime.IntRange(0, 63))));
        waitFor(() -> prune.prunedProperty().get() != null && prune.prunedProperty().get().verified(), 60_000);
    }
}
