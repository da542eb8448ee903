package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.GroupAnalyzer;
import dev.lopper.graph.ModelGraph;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.task.Progress;
import dev.lopper.testutil.ModelBuilder;
import dev.lopper.testutil.Oracle;
import dev.lopper.testutil.TestModels;

/** The zero-channel oracle for the plan applier on models built in Java. */
class PlanApplierOracleTest {
    /** Removes one channel of every prunable group; returns the groups that cannot satisfy the oracle. */
    static List<String> checkEveryGroup(OnnxModel model, GroupAnalysis a, long dynamicSize) throws Exception {
        Map<String, Oracle.Output> base = Oracle.run(model.proto().toByteArray(), 7, dynamicSize);
        List<String> mixing = new ArrayList<>();
        int checked = 0;
        for (CoupledGroup g : a.prunableGroups()) {
            int c = g.channels() / 2;
            ModelProto pruned = PlanApplier.apply(model, a, Map.of(g.id(), PlanApplier.keepAllBut(g.channels(), c)));
            Map<String, Oracle.Output> out = Oracle.run(pruned.toByteArray(), 7, dynamicSize);
            for (String k : base.keySet()) {
                assertArrayEquals(base.get(k).shape(), out.get(k).shape(), g.id() + ": output shape of " + k);
            }
            if (!g.mixingNodes().isEmpty()) {
                mixing.add(g.id());
                continue;
            }
            Map<String, Oracle.Output> zeroed = Oracle.run(Oracle.zeroChannels(model, g, c).toByteArray(), 7, dynamicSize);
            double diff = Oracle.maxDiff(zeroed, out);
            assertTrue(diff < 1e-4, g.id() + ": pruned differs from zeroed original by " + diff);
            checked++;
        }
        assertTrue(checked > 0, "no group checked");
        return mixing;
    }

    @Test
    void cnnEveryGroupMatchesZeroedOriginal() throws Exception {
        OnnxModel m = TestModels.cnn().model();
        GroupAnalysis a = GroupAnalyzer.analyze(ModelGraph.raw(m), Progress.NONE);
        assertEquals(List.of(), checkEveryGroup(m, a, 1));
    }

    @Test
    void concatSplitSliceEveryGroupMatchesZeroedOriginal() throws Exception {
        OnnxModel m = TestModels.concatSplit().model();
        GroupAnalysis a = GroupAnalyzer.analyze(ModelGraph.raw(m), Progress.NONE);
        assertEquals(List.of(), checkEveryGroup(m, a, 1));
    }

    @Test
    void encoderEveryGroupMatchesZeroedOriginalExceptResidualStream() throws Exception {
        OnnxModel m = TestModels.encoder().model();
        GroupAnalysis a = GroupAnalyzer.analyze(ModelGraph.raw(m), Progress.NONE);
        List<String> mixing = checkEveryGroup(m, a, 5);
        assertEquals(1, mixing.size(), "only the LayerNorm'd residual stream mixes: " + mixing);
    }

    @Test
    void emptyPlanReproducesOutputsExactly() throws Exception {
        for (ModelBuilder b : List.of(TestModels.cnn(), TestModels.concatSplit(), TestModels.encoder())) {
            OnnxModel m = b.model();
            GroupAnalysis a = GroupAnalyzer.analyze(ModelGraph.raw(m), Progress.NONE);
            ModelProto p = PlanApplier.apply(m, a, Map.of());
            assertEquals(0.0, Oracle.maxDiff(Oracle.run(m.proto().toByteArray(), 3, 4), Oracle.run(p.toByteArray(), 3, 4)));
        }
    }
}
