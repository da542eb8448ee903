package dev.lopper.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.graph.GraphLoader;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.prune.PlanApplier;
import dev.lopper.task.Progress;
import dev.lopper.testutil.Oracle;

/**
 * LSTM, GRU and RNN hidden sizes are groups: recurrent_mix (bidirectional GRU 16, LSTM 24, bidirectional tanh
 * RNN 12) has one prunable group per hidden size, gate blocks sliced in step, and removing units rewrites
 * hidden_size, every weight and the zero initial states, matching the zeroed original.
 */
class RecurrentGroupsTest {
    static final Path MODEL = Path.of("src/test/resources/models/recurrent_mix_op13.onnx");

    @Test
    void hiddenSizesAreGroupsWithGateBlocksInStep() throws Exception {
        OnnxModel model = OnnxModel.read(MODEL);
        GroupAnalysis a = GroupAnalyzer.analyze(GraphLoader.load(model, Map.of()), Progress.NONE);
        Map<String, Integer> expect = Map.of("g:/gru/GRU/hidden", 16, "g:/lstm/LSTM/hidden", 24, "g:/rnn/RNN/hidden", 12);
        Map<String, Integer> gates = Map.of("g:/gru/GRU/hidden", 3, "g:/lstm/LSTM/hidden", 4, "g:/rnn/RNN/hidden", 1);
        for (var e : expect.entrySet()) {
            CoupledGroup g = a.group(e.getKey());
            assertTrue(g != null && g.isPrunable(), e.getKey() + " " + (g == null ? "missing" : g.lockReasons()));
            assertEquals((int) e.getValue(), g.channels());
            int producerRows = 0;
            for (ParamSlice s : g.slices()) {
                if (s.role() != ParamSlice.Role.PRODUCER_WEIGHT || s.axis() != 1) continue;
                producerRows++;
                // unit h owns rows k·H + h of every gate k
                int k = gates.get(e.getKey());
                assertEquals(k == 1 ? IndexMap.IDENTITY : new IndexMap(0, 1, k, e.getValue()), s.map(), s.toString());
            }
            assertEquals(2, producerRows, "W and R rows of " + e.getKey());
        }
        assertEquals(1.0, a.summary().prunableParamFraction(), 1e-3);
    }

    @Test
    void removingUnitsRewritesHiddenSizeAndMatchesTheZeroedOriginal() throws Exception {
        OnnxModel model = OnnxModel.read(MODEL);
        GroupAnalysis a = GroupAnalyzer.analyze(GraphLoader.load(model, Map.of()), Progress.NONE);
        CoupledGroup lstm = a.group("g:/lstm/LSTM/hidden");
        ModelProto pruned = PlanApplier.apply(model, a, Map.of(lstm.id(), PlanApplier.keepAllBut(24, 0, 5, 23)));
        Map<String, Long> hidden = new HashMap<>();
        for (NodeProto n : pruned.getGraph().getNodeList()) {
            for (AttributeProto at : n.getAttributeList()) if (at.getName().equals("hidden_size")) hidden.put(n.getOpType(), at.getI());
        }
        assertEquals(Map.of("GRU", 16L, "LSTM", 21L, "RNN", 12L), hidden);
        for (TensorProto t : pruned.getGraph().getInitializerList()) {
            if (t.getDimsCount() == 3 && t.getDims(1) == 4 * 24) throw new AssertionError("LSTM weight not sliced: " + t.getName());
        }
        Map<String, Oracle.Output> out = Oracle.run(pruned.toByteArray(), 11, 6);
        Map<String, Oracle.Output> zeroed = Oracle.run(Oracle.zeroChannels(model, a, lstm, 0, 5, 23).toByteArray(), 11, 6);
        Map<String, Oracle.Output> original = Oracle.run(model.proto().toByteArray(), 11, 6);
        assertTrue(Oracle.maxDiff(zeroed, out) < 1e-4, "pruned vs zeroed: " + Oracle.maxDiff(zeroed, out));
        assertTrue(Oracle.maxDiff(original, out) > 1e-3, "removing units changes the outputs");
    }
}
