package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
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
import dev.lopper.task.Progress;
import dev.lopper.testutil.Oracle;

/**
 * Pruning through a Loop body ({@code loop_conv_op13}): the carried value keeps its dims in every iteration, so the
 * stem's channels, the body's 3x3 conv that writes the carried value and the head are one group; the 1x1 conv on the
 * loop-invariant outer tensor has 6 channels that live only in the body, a prunable group of its own (Scan bodies:
 * {@link ScanBodyPruningTest}).
 */
class LoopBodyPruningTest {
    static final Path DIR = Path.of("src/test/resources/models");

    @TempDir
    Path tmp;

    @Test
    void carriedAndBodyOnlyChannelsArePrunableAndMatchTheZeroedOriginal() throws Exception {
        OnnxModel model = OnnxModel.read(DIR.resolve("loop_conv_op13.onnx"));
        GroupAnalysis a = IfBranchPruningTest.analyze(model);
        CoupledGroup carried = a.group("g:stem/out"), inner = a.group("g:body/conv1/out");
        assertNotNull(carried);
        assertNotNull(inner);
        assertTrue(carried.isPrunable() && inner.isPrunable(), carried.lockReasons() + " " + inner.lockReasons());
        assertEquals(8, carried.channels());
        assertEquals(6, inner.channels());
        // the carried group reaches the body's 3x3 conv (rows) and its 1x1 conv (columns: it reads the outer h)
        List<String> t = carried.slices().stream().map(s -> s.tensor() + "/" + s.axis()).sorted().toList();
        assertEquals(List.of("head_w/1", "stem_b/0", "stem_w/0", "w1/1", "w2/0"), t);
        // params: stem 224, body 48+6 + 432 (Constant node), head 18 = 728; MACs: the body 3 times (Metrics' definition)
        assertEquals(728, a.summary().totalParams());
        assertTrue(a.summary().prunableParamFraction() >= 0.99, a.summaryLine());
        byte[] original = model.proto().toByteArray();
        assertArrayEquals(original, PlanApplier.apply(model, a, Map.of()).toByteArray());
        for (CoupledGroup g : List.of(carried, inner)) {
            for (int c : new int[] {0, g.channels() - 1}) {
                ModelProto pruned = PlanApplier.apply(model, a, Map.of(g.id(), PlanApplier.keepAllBut(g.channels(), c)));
                double d = Oracle.maxDiff(Oracle.run(Oracle.zeroChannels(model, a, g, c).toByteArray(), 5, 1),
                        Oracle.run(pruned.toByteArray(), 5, 1));
                assertTrue(d < 1e-4, g.id() + " channel " + c + ": " + d);
            }
        }
        // shapes: the body's own tensors and its declared carried input/output follow
        ModelProto p = PlanApplier.apply(model, a, Map.of("g:stem/out", PlanApplier.keepAllBut(8, 2, 4), "g:body/conv1/out", PlanApplier.keepAllBut(6, 0)));
        GraphProto body = null;
        for (NodeProto n : p.getGraph().getNodeList()) for (AttributeProto at : n.getAttributeList()) if (at.hasG()) body = at.getG();
        assertNotNull(body);
        assertEquals(List.of(5L, 6L, 1L, 1L), body.getInitializer(0).getDimsList()); // w1 [6→5, 8→6]
        assertEquals(List.of(5L), body.getInitializer(1).getDimsList());
        NodeProto w2 = body.getNodeList().stream().filter(n -> n.getOpType().equals("Constant")).findFirst().orElseThrow();
        assertEquals(List.of(6L, 5L, 3L, 3L), w2.getAttribute(0).getT().getDimsList());
        assertEquals(6L, body.getInput(2).getType().getTensorType().getShape().getDim(1).getDimValue());
        assertEquals(6L, body.getOutput(1).getType().getTensorType().getShape().getDim(1).getDimValue());
    }

    @Test
    void aSessionPrunesTheLoopModelAndItsCountsMatchARecount() throws Exception {
        PruningSession s = PruningSession.open(DIR.resolve("loop_conv_op13.onnx"), Map.of(), Progress.NONE);
        ScoringOptions so = ScoringOptions.defaults().with(Criterion.L1);
        Planner.Result r = s.plan(s.score(so, Progress.NONE), so, PruningSettings.ratio(0.5).withRoundTo(1), Progress.NONE);
        PlanExecution.Outcome o = s.apply(r.plan(), false, PruneManifestTest.verify(), Progress.NONE);
        assertTrue(o.verified(), String.valueOf(o.verification().problem()));
        Path out = tmp.resolve("loop.onnx");
        s.write(o, out, Progress.NONE);
        ModelCost counted = s.recount(out, Progress.NONE);
        assertEquals(counted.params(), r.after().params());
        assertEquals(counted.macs(), r.after().macs());
        assertTrue(r.after().macs() < s.before().macs() / 2, r.after().macs() + " of " + s.before().macs());
    }
}
