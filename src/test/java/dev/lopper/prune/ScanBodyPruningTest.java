package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;
import dev.lopper.task.Progress;
import dev.lopper.testutil.Oracle;

/**
 * Pruning through a Scan body. {@code scan_conv_op13}: the state keeps its dims in every iteration, so the stem's
 * channels (which the frames are sliced from, on scan axis 1), the body's 3x3 conv that writes the state, the 1x1
 * conv that reads each frame and the head are one group; the body's 6-channel 1x1 conv is a group of its own, and so
 * is the 5-channel conv whose per-frame output is stacked on axis 1 and read by a second head. {@code scan_rnn_op13}:
 * a hand-written RNN cell whose hidden size (W's columns, both axes of R, the bias read from the main graph, the
 * stored zero state and both heads' rows) is one prunable group. Every prunable group, one channel removed, runs in
 * ONNX Runtime and matches the original with that channel zeroed within 1e-4.
 */
class ScanBodyPruningTest {
    static final Path DIR = Path.of("src/test/resources/models");

    @TempDir
    Path tmp;

    static List<String> slices(CoupledGroup g) {
        return g.slices().stream().map(s -> s.tensor() + "/" + s.axis()).sorted().toList();
    }

    /** Removes channel 0 and the last channel of the group, one at a time, and compares with the zeroed original. */
    static void assertExact(OnnxModel model, GroupAnalysis a, CoupledGroup g) throws Exception {
        for (int c : new int[] {0, g.channels() - 1}) {
            ModelProto pruned = PlanApplier.apply(model, a, Map.of(g.id(), PlanApplier.keepAllBut(g.channels(), c)));
            Map<String, Oracle.Output> removed = Oracle.run(pruned.toByteArray(), 5, 1);
            Map<String, Oracle.Output> zeroed = Oracle.run(Oracle.zeroChannels(model, a, g, c).toByteArray(), 5, 1);
            for (String k : zeroed.keySet()) assertArrayEquals(zeroed.get(k).shape(), removed.get(k).shape(), k);
            double d = Oracle.maxDiff(zeroed, removed);
            assertTrue(d < 1e-4, g.id() + " channel " + c + ": " + d);
        }
    }

    static GraphProto body(ModelProto p) {
        for (NodeProto n : p.getGraph().getNodeList()) for (AttributeProto at : n.getAttributeList()) if (at.hasG()) return at.getG();
        throw new AssertionError("no body");
    }

    static List<Long> dims(ValueInfoProto v) {
        List<Long> out = new ArrayList<>();
        for (var d : v.getType().getTensorType().getShape().getDimList()) out.add(d.getDimValue());
        return out;
    }

    static TensorProto initializer(GraphProto g, String name) {
        return g.getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void convScanStateFramesAndScanOutputsArePrunableAndMatchTheZeroedOriginal() throws Exception {
        OnnxModel model = OnnxModel.read(DIR.resolve("scan_conv_op13.onnx"));
        GroupAnalysis a = IfBranchPruningTest.analyze(model);
        assertEquals(List.of(), a.unhandledNodes());
        CoupledGroup state = a.group("g:stem/out"), inner = a.group("g:body/conv1/out"), emitted = a.group("g:body/conv3/out");
        assertNotNull(state);
        assertNotNull(inner);
        assertNotNull(emitted);
        for (CoupledGroup g : List.of(state, inner, emitted)) assertTrue(g.isPrunable(), g.id() + " " + g.lockReasons());
        assertEquals(8, state.channels());
        assertEquals(6, inner.channels());
        assertEquals(5, emitted.channels());
        assertEquals(List.of("head_w/1", "stem_b/0", "stem_w/0", "w1/1", "w2/0", "w3/1"), slices(state));
        assertEquals(List.of("b1/0", "w1/0", "w2/1"), slices(inner));
        assertEquals(List.of("b3/0", "head2_w/1", "w3/0"), slices(emitted));
        // params: stem 224, body 48+6 + 432 (Constant node) + 40, b3 5 (main graph, read by name), heads 18 + 24 = 797;
        // MACs: what inspect counts (Metrics), the body's terms 3 times (one per frame)
        assertEquals(797, a.summary().totalParams());
        assertEquals(153_408, a.summary().totalMacs());
        assertEquals(3, a.prunableGroups().size());
        byte[] original = model.proto().toByteArray();
        assertArrayEquals(original, PlanApplier.apply(model, a, Map.of()).toByteArray());
        for (CoupledGroup g : List.of(state, inner, emitted)) assertExact(model, a, g);
        // shapes: the body's own tensors, its declared state/slice inputs and outputs and the stacked output follow
        ModelProto p = PlanApplier.apply(model, a, Map.of("g:stem/out", PlanApplier.keepAllBut(8, 2, 4),
                "g:body/conv1/out", PlanApplier.keepAllBut(6, 0), "g:body/conv3/out", PlanApplier.keepAllBut(5, 1)));
        GraphProto body = body(p);
        assertEquals(List.of(5L, 6L, 1L, 1L), initializer(body, "w1").getDimsList());
        assertEquals(List.of(5L), initializer(body, "b1").getDimsList());
        assertEquals(List.of(4L, 6L, 1L, 1L), initializer(body, "w3").getDimsList());
        assertEquals(List.of(4L), initializer(p.getGraph(), "b3").getDimsList());
        NodeProto w2 = body.getNodeList().stream().filter(n -> n.getOpType().equals("Constant")).findFirst().orElseThrow();
        assertEquals(List.of(6L, 5L, 3L, 3L), w2.getAttribute(0).getT().getDimsList());
        assertEquals(List.of(1L, 6L, 8L, 8L), dims(body.getInput(0)));
        assertEquals(List.of(1L, 6L, 8L, 8L), dims(body.getInput(1)));
        assertEquals(List.of(1L, 6L, 8L, 8L), dims(body.getOutput(0)));
        assertEquals(List.of(1L, 4L, 8L, 8L), dims(body.getOutput(1)));
        ValueInfoProto ys = p.getGraph().getValueInfoList().stream().filter(v -> v.getName().equals("ys")).findFirst().orElseThrow();
        assertEquals(List.of(1L, 3L, 4L, 8L, 8L), dims(ys));
        Map<String, Oracle.Output> out = Oracle.run(p.toByteArray(), 5, 1);
        assertArrayEquals(new long[] {3, 4, 8, 8}, out.get("out_frames").shape());
    }

    @Test
    void rnnHiddenSizeIsOneGroupAcrossBothAxesOfTheRecurrentWeight() throws Exception {
        OnnxModel model = OnnxModel.read(DIR.resolve("scan_rnn_op13.onnx"));
        GroupAnalysis a = IfBranchPruningTest.analyze(model);
        assertEquals(List.of(), a.unhandledNodes());
        CoupledGroup hidden = a.group("g:cell/input/out"), pre = a.group("g:pre/out");
        assertNotNull(hidden);
        assertNotNull(pre);
        assertTrue(hidden.isPrunable() && pre.isPrunable(), hidden.lockReasons() + " " + pre.lockReasons());
        assertEquals(16, hidden.channels());
        assertEquals(8, pre.channels());
        assertEquals(List.of("R/0", "R/1", "W/1", "cls_w/0", "h0/1", "out_w/0", "rnn_b/0"), slices(hidden));
        assertEquals(List.of("W/0", "pre_b/0", "pre_w/1"), slices(pre));
        assertEquals(2, a.prunableGroups().size());
        // params: pre 56, h0 32, W 128 + R 256 (body), b 16, heads 51 + 68 = 607; MACs: what inspect counts, the cell 5 times
        assertEquals(607, a.summary().totalParams());
        assertEquals(5_606, a.summary().totalMacs());
        for (CoupledGroup g : List.of(hidden, pre)) assertExact(model, a, g);
        ModelProto p = PlanApplier.apply(model, a, Map.of("g:cell/input/out", PlanApplier.keepAllBut(16, 3, 7, 15)));
        GraphProto body = body(p);
        assertEquals(List.of(8L, 13L), initializer(body, "W").getDimsList());
        assertEquals(List.of(13L, 13L), initializer(body, "R").getDimsList());
        assertEquals(List.of(2L, 13L), initializer(p.getGraph(), "h0").getDimsList());
        assertEquals(List.of(2L, 13L), dims(body.getInput(0)));
        assertEquals(List.of(2L, 13L), dims(body.getOutput(1)));
    }

    @Test
    void sessionsPruneBothScanModelsAndTheirCountsMatchARecount() throws Exception {
        for (String file : List.of("scan_conv_op13.onnx", "scan_rnn_op13.onnx")) {
            PruningSession s = PruningSession.open(DIR.resolve(file), Map.of(), Progress.NONE);
            ScoringOptions so = ScoringOptions.defaults().with(Criterion.L1);
            Planner.Result r = s.plan(s.score(so, Progress.NONE), so, PruningSettings.ratio(0.5).withRoundTo(1), Progress.NONE);
            PlanExecution.Outcome o = s.apply(r.plan(), false, PruneManifestTest.verify(), Progress.NONE);
            assertTrue(o.verified(), file + ": " + o.verification().problem());
            Path out = tmp.resolve(file);
            s.write(o, out, Progress.NONE);
            ModelCost counted = s.recount(out, Progress.NONE);
            assertEquals(counted.params(), r.after().params(), file);
            assertEquals(counted.macs(), r.after().macs(), file);
            assertTrue(r.after().macs() < s.before().macs() * 0.6, file + ": " + r.after().macs() + " of " + s.before().macs());
        }
    }

    /** {@code scan_matmul_op13}: the state and the scanned input are graph inputs, so its groups lock for that alone. */
    @Test
    void aScanFedByGraphInputsIsAnalyzedAndLocksOnlyForThem() throws Exception {
        GroupAnalysis a = IfBranchPruningTest.analyze(OnnxModel.read(DIR.resolve("scan_matmul_op13.onnx")));
        assertEquals(List.of(), a.unhandledNodes());
        assertTrue(a.prunableGroups().isEmpty());
        assertEquals(2, a.groups().size());
        for (CoupledGroup g : a.groups()) {
            for (String r : g.lockReasons()) assertTrue(r.startsWith("graph input '") || r.startsWith("graph output '"), r);
        }
        assertEquals(List.of("s0", "s_final", "ys"), a.group("g:input:s0/1").lockReasons().stream()
                .map(r -> r.substring(r.indexOf('\'') + 1, r.lastIndexOf('\''))).toList());
    }

    /** An opset-8 Scan (batch axis, sequence_lens first) is not analyzed: what it touches is locked, with the reason. */
    @Test
    void anOpset8ScanStaysLockedWithItsReason() throws Exception {
        ModelProto p = OnnxModel.read(DIR.resolve("scan_conv_op13.onnx")).proto();
        ModelProto.Builder b = p.toBuilder();
        b.setOpsetImport(0, p.getOpsetImport(0).toBuilder().setVersion(8));
        Path f = tmp.resolve("scan8.onnx");
        java.nio.file.Files.write(f, b.build().toByteArray());
        GroupAnalysis a = IfBranchPruningTest.analyze(OnnxModel.read(f));
        assertTrue(a.unhandledNodes().stream().anyMatch(r -> r.startsWith("an opset-8 Scan (batched, with sequence_lens) is not"
                + " analyzed at Scan node 'scan'")), a.unhandledNodes().toString());
        assertTrue(!a.group("g:stem/out").isPrunable());
        assertTrue(a.group("g:body/conv1/out") == null);
    }

    /** A Scan over the channel axis: removing a channel would drop an iteration, so the scanned axis is locked. */
    @Test
    void aScannedChannelAxisIsLocked() throws Exception {
        ModelProto p = OnnxModel.read(DIR.resolve("scan_conv_op13.onnx")).proto();
        GraphProto.Builder g = p.getGraph().toBuilder();
        // the frames become h itself with its channels scanned: Scan(acc0, h) over axis 1 of [3, 8, 8, 8] gives [3, 8, 8]
        // slices, which the body's 4-D convs cannot read; only the analysis is checked here
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (!n.getOpType().equals("Scan")) continue;
            g.setNode(i, n.toBuilder().setInput(1, "h"));
        }
        Path f = tmp.resolve("scan_channels.onnx");
        java.nio.file.Files.write(f, p.toBuilder().setGraph(g).build().toByteArray());
        GroupAnalysis a = IfBranchPruningTest.analyze(OnnxModel.read(f));
        CoupledGroup stem = a.group("g:stem/out");
        assertNotNull(stem);
        assertTrue(stem.lockReasons().contains("the scanned axis of Scan 'scan' sets its iteration count"), stem.lockReasons().toString());
    }

    /**
     * A body node that would need rewriting (a Reshape whose stored target holds the emitted channel count): the
     * applier rewrites main-graph nodes only, so that group locks and names the Scan body; the others stay prunable.
     */
    @Test
    void aRewriteInsideTheBodyLocksItsChannelsAndNamesTheScan() throws Exception {
        ModelProto p = OnnxModel.read(DIR.resolve("scan_conv_op13.onnx")).proto();
        GraphProto.Builder g = p.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto.Builder n = g.getNode(i).toBuilder();
            if (!n.getOpType().equals("Scan")) continue;
            AttributeProto.Builder at = n.getAttributeBuilder(0);
            GraphProto.Builder b = at.getGBuilder();
            for (int k = 0; k < b.getNodeCount(); k++) {
                if (b.getNode(k).getName().equals("body/conv3")) b.setNode(k, b.getNode(k).toBuilder().setOutput(0, "y_flat"));
            }
            b.addInitializer(PlanApplier.int64("y_shape", new long[] {1, 5, 8, 8}));
            b.addNode(NodeProto.newBuilder().setOpType("Reshape").setName("body/reshape").addInput("y_flat").addInput("y_shape").addOutput("y_t"));
            g.setNode(i, n);
        }
        Path f = tmp.resolve("scan_reshape.onnx");
        java.nio.file.Files.write(f, p.toBuilder().setGraph(g).build().toByteArray());
        OnnxModel model = OnnxModel.read(f);
        GroupAnalysis a = IfBranchPruningTest.analyze(model);
        CoupledGroup emitted = a.group("g:body/conv3/out");
        assertNotNull(emitted);
        assertEquals(List.of("node 'body/reshape' inside the body of Scan 'scan' would need rewriting"), emitted.lockReasons());
        assertTrue(a.group("g:stem/out").isPrunable() && a.group("g:body/conv1/out").isPrunable());
        for (CoupledGroup c : a.prunableGroups()) assertExact(model, a, c);
    }
}
