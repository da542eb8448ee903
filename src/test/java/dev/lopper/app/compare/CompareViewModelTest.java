package dev.lopper.app.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.Member;
import dev.lopper.app.CoreServices;
import dev.lopper.app.MainViewModel;
import dev.lopper.app.RecentFiles;
import dev.lopper.app.compare.CompareViewModel.NodeDelta;
import dev.lopper.app.graph.GraphScene;
import dev.lopper.app.task.DirectTaskRunner;
import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.Metrics;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Standardizer;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.prune.GroupPlan;
import dev.lopper.task.Progress;

/**
 * The compare view-model on the bundled digits CNN, pruned at 50 % (round-to 1) through the app's own services,
 * without a Stage ({@link DirectTaskRunner}): its per-node deltas against a recount of the pruned model's file.
 */
class CompareViewModelTest {
    static final Path DIGITS = Path.of("samples", "digits_cnn.onnx");

    @Test
    void deltasAreTheRecountOfThePrunedModel() throws Exception {
        MainViewModel vm = new MainViewModel(new CoreServices(), RecentFiles.inMemory(), DirectTaskRunner::new);
        vm.open(DIGITS);
        assertNull(vm.errorProperty().get());
        vm.prune().setRoundTo(1);
        vm.groups().setGlobalRatio(0.5);
        var pruned = vm.prune().prunedProperty().get();
        assertNotNull(pruned, vm.prune().pruneStatusProperty().get());
        assertTrue(pruned.verified(), vm.prune().pruneStatusProperty().get());
        CompareViewModel compare = vm.compare();
        assertTrue(compare.availableProperty().get());
        compare.shownProperty().set(true);
        CompareViewModel.Comparison c = compare.comparisonProperty().get();
        assertNotNull(c, compare.statusProperty().get());
        assertEquals(c.deltas(), compare.rows());

        // the pruned file, read straight from its bytes
        ModelProto proto = ModelProto.parseFrom(pruned.model());
        ModelProto original = OnnxModel.read(DIGITS).proto();
        NodeProto conv = null;
        for (NodeProto n : proto.getGraph().getNodeList()) if (n.getOpType().equals("Conv")) { conv = n; break; }
        assertNotNull(conv);
        TensorProto wAfter = initializer(proto, conv.getInput(1));
        TensorProto wBefore = initializer(original, conv.getInput(1));
        NodeDelta d = c.delta(conv.getName());
        assertNotNull(d, "first Conv " + conv.getName() + " has no delta");
        assertEquals(wBefore.getDims(0), d.channelsBefore());
        assertEquals(wAfter.getDims(0), d.channelsAfter());
        assertTrue(d.channelsAfter() < d.channelsBefore());
        assertEquals(d.channelsBefore() + " → " + d.channelsAfter(), d.channelsText());
        // the plan: the positions its groups remove on that Conv's output channels (a grouped Conv carries two groups)
        String out = conv.getOutput(0);
        java.util.BitSet removed = new java.util.BitSet();
        int groupsOnConv = 0;
        for (CoupledGroup g : vm.groups().groupsProperty().get()) {
            GroupPlan gp = pruned.applied().groups().get(g.id());
            for (Member m : g.members()) {
                if (!m.tensor().equals(out) || m.axis() != 1 || gp == null) continue;
                groupsOnConv++;
                for (int pos : m.map().indicesOf(gp.removed())) removed.set(pos);
            }
        }
        assertTrue(groupsOnConv > 0);
        assertEquals(d.channelsBefore() - removed.cardinality(), d.channelsAfter());
        // params: the conv's weight and bias elements in each file
        long paramsAfter = elements(wAfter) + (conv.getInputCount() > 2 ? elements(initializer(proto, conv.getInput(2))) : 0);
        long paramsBefore = elements(wBefore) + (conv.getInputCount() > 2 ? elements(initializer(original, conv.getInput(2))) : 0);
        assertEquals(paramsBefore, d.paramsBefore());
        assertEquals(paramsAfter, d.paramsAfter());
        assertTrue(paramsAfter < paramsBefore);

        // every node: the recount of the pruned file with the one cost definition
        ModelGraph recount = GraphLoader.load(OnnxModel.of(DIGITS.toAbsolutePath(), proto), Map.of(),
                Standardizer.Mode.STANDARDIZED, Progress.NONE);
        Metrics.Report r = Metrics.of(recount);
        Metrics.Report o = Metrics.of(vm.loaded().graph());
        assertEquals(r.params(), c.after().params());
        assertEquals(r.macs(), c.after().macs());
        assertTrue(c.after().macs() < c.before().macs());
        int changed = 0;
        for (Metrics.NodeCost after : r.perNode()) {
            Metrics.NodeCost before = o.perNode().stream().filter(x -> x.node().equals(after.node())).findFirst().orElseThrow();
            NodeDelta nd = c.delta(after.node());
            if (before.params() == after.params() && before.macs() == after.macs()) continue;
            changed++;
            assertNotNull(nd, after.node());
            assertEquals(before.params(), nd.paramsBefore(), after.node());
            assertEquals(after.params(), nd.paramsAfter(), after.node());
            assertEquals(before.macs(), nd.macsBefore(), after.node());
            assertEquals(after.macs(), nd.macsAfter(), after.node());
        }
        assertTrue(changed >= 4, "changed " + changed);

        // both graphs: labels and tints on the nodes whose channels changed
        GraphScene ps = compare.prunedGraph().sceneProperty().get();
        int box = ps.boxOf(conv.getName());
        assertEquals(d.channelsText(), compare.prunedGraph().channelLabelsProperty().get().get(box));
        assertTrue(compare.prunedGraph().tintedProperty().get().contains(box));
        int obox = compare.originalGraph().sceneProperty().get().boxOf(conv.getName());
        assertTrue(compare.originalGraph().tintedProperty().get().contains(obox));
        compare.prunedGraph().select(box);
        assertEquals(obox, compare.originalGraph().selectedBoxProperty().get());
        assertTrue(compare.statusProperty().get().contains(String.format("MACs %,d → %,d", o.macs(), r.macs())),
                compare.statusProperty().get());

        // profiled: each changed node carries both times
        compare.profile();
        CompareViewModel.Comparison p = compare.comparisonProperty().get();
        NodeDelta timed = p.delta(conv.getName());
        assertNotNull(timed.msBefore(), compare.statusProperty().get());
        assertNotNull(timed.msAfter());
        assertTrue(timed.msBefore() > 0 && timed.msAfter() > 0);
        assertEquals(d.paramsAfter(), timed.paramsAfter());

        // a plan that removes nothing: no pruned model, nothing compared; the next verified model is compared again
        vm.groups().setGlobalRatio(0);
        assertFalse(compare.availableProperty().get());
        assertNull(compare.comparisonProperty().get());
        assertTrue(compare.rows().isEmpty());
        assertNull(compare.prunedGraph().sceneProperty().get());
        assertTrue(compare.statusProperty().get().startsWith("No verified pruned model"), compare.statusProperty().get());
        vm.groups().setGlobalRatio(0.25);
        CompareViewModel.Comparison again = compare.comparisonProperty().get();
        assertNotNull(again, compare.statusProperty().get());
        assertTrue(again.pruned() == vm.prune().prunedProperty().get());
        assertTrue(again.after().params() > c.after().params(), "25 % keeps more than 50 %");
        // another model: the compare view closes
        vm.open(DIGITS);
        assertFalse(compare.shownProperty().get());
        assertNull(compare.comparisonProperty().get());
    }

    @Test
    void collapsedBlocksAreOneNodeOnBothSidesWithTheirDeltasSummed() throws Exception {
        MainViewModel vm = new MainViewModel(new CoreServices(), RecentFiles.inMemory(), DirectTaskRunner::new);
        vm.open(DIGITS);
        vm.prune().setRoundTo(1);
        vm.groups().setGlobalRatio(0.5);
        var pruned = vm.prune().prunedProperty().get();
        assertTrue(pruned != null && pruned.verified(), vm.prune().pruneStatusProperty().get());
        var blocks = vm.graph().sceneProperty().get().blocks();
        assertFalse(blocks.isEmpty(), "the digits CNN has repeated blocks");
        vm.graph().collapseAll();
        CompareViewModel compare = vm.compare();
        compare.shownProperty().set(true);
        CompareViewModel.Comparison c = compare.comparisonProperty().get();
        assertNotNull(c, compare.statusProperty().get());
        assertEquals(vm.graph().collapsedKeysProperty().get(), c.originalScene().collapsed());
        assertEquals(c.originalScene().collapsed(), c.prunedScene().collapsed());

        // the recount of both files, per node, with the one cost definition
        ModelGraph recount = GraphLoader.load(OnnxModel.of(DIGITS.toAbsolutePath(), ModelProto.parseFrom(pruned.model())),
                Map.of(), Standardizer.Mode.STANDARDIZED, Progress.NONE);
        Map<String, Metrics.NodeCost> after = new java.util.HashMap<>();
        for (Metrics.NodeCost n : Metrics.of(recount).perNode()) after.put(n.node(), n);
        int blockRows = 0;
        for (String key : blocks.allBlocks()) {
            GraphScene os = compare.originalGraph().sceneProperty().get();
            GraphScene ps = compare.prunedGraph().sceneProperty().get();
            int ob = os.boxOf(key);
            int pb = ps.boxOf(key);
            assertEquals(GraphScene.Kind.BLOCK, os.boxes().get(ob).kind(), key);
            assertEquals(GraphScene.Kind.BLOCK, ps.boxes().get(pb).kind(), key);
            assertEquals(os.boxes().get(ob).members().size(), ps.boxes().get(pb).members().size(), "same nodes collapsed on both sides");
            long pB = 0, pA = 0, mB = 0, mA = 0;
            for (Metrics.NodeCost n : Metrics.of(vm.loaded().graph()).perNode()) {
                if (!key.equals(blocks.blockOf(n.node()))) continue;
                assertEquals(ob, os.boxOf(n.node()), n.node() + " drawn inside its block");
                Metrics.NodeCost a = after.get(n.node());
                if (a.params() == n.params() && a.macs() == n.macs()) continue;
                pB += n.params();
                pA += a.params();
                mB += n.macs();
                mA += a.macs();
                assertTrue(compare.rows().stream().noneMatch(r -> r.node().equals(n.node())), n.node() + " is listed in its block's row");
            }
            if (pB == pA && mB == mA) continue;
            NodeDelta row = compare.rows().stream().filter(r -> r.node().equals(key)).findFirst().orElseThrow();
            assertEquals(pB, row.paramsBefore(), key);
            assertEquals(pA, row.paramsAfter(), key);
            assertEquals(mB, row.macsBefore(), key);
            assertEquals(mA, row.macsAfter(), key);
            String expected = String.format("params %+.0f%% · MACs %+.0f%%", 100.0 * (pA - pB) / pB, 100.0 * (mA - mB) / mB).replace('-', '−');
            assertEquals(expected, compare.originalGraph().channelLabelsProperty().get().get(ob));
            assertEquals(expected, compare.prunedGraph().channelLabelsProperty().get().get(pb));
            assertTrue(compare.prunedGraph().tintedProperty().get().contains(pb));
            blockRows++;
        }
        assertTrue(blockRows >= 1, "a changed block");

        // expanding a block on one side expands it on both; its nodes are listed one by one again
        String key = compare.rows().stream().map(NodeDelta::node).filter(n -> blocks.allBlocks().contains(n)).findFirst().orElseThrow();
        compare.prunedGraph().expand(key);
        assertFalse(compare.collapsedKeys().contains(key));
        GraphScene os = compare.originalGraph().sceneProperty().get();
        GraphScene ps = compare.prunedGraph().sceneProperty().get();
        assertTrue(os.boxOf(key) < 0 && ps.boxOf(key) < 0, "no box for the expanded block");
        assertTrue(compare.rows().stream().noneMatch(r -> r.node().equals(key)));
        assertTrue(compare.rows().stream().anyMatch(r -> key.equals(blocks.blockOf(r.node()))));
        // expanding everything in the main view: the per-node deltas, as without collapse
        vm.graph().expandAll();
        assertTrue(compare.collapsedKeys().isEmpty());
        assertEquals(compare.comparisonProperty().get().deltas(), compare.rows());
    }

    private static TensorProto initializer(ModelProto m, String name) {
        for (TensorProto t : m.getGraph().getInitializerList()) if (t.getName().equals(name)) return t;
        throw new AssertionError("no initializer " + name);
    }

    private static long elements(TensorProto t) {
        long n = 1;
        for (long x : t.getDimsList()) n *= x;
        return n;
    }
}
