package dev.lopper.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.graph.GraphLoader;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.prune.PlanApplier;
import dev.lopper.task.Progress;
import dev.lopper.testutil.Oracle;

/**
 * split [16, 32, 48] → three branches → Concat → Conv groups=2: the parts are refined into the common partition
 * (the 48 channels of group 1 = 16 + 32, in step with group 0's parts), so nothing is locked and both halves of
 * the grouped conv always keep the same count.
 */
class UnevenConcatGroupedConvTest {
    static final Path MODEL = Path.of("src/test/resources/models/split_grouped_op13.onnx");

    @Test
    void partsAreRefinedNotLocked() throws Exception {
        OnnxModel model = OnnxModel.read(MODEL);
        GroupAnalysis a = GroupAnalyzer.analyze(GraphLoader.load(model, Map.of()), Progress.NONE);
        assertEquals(List.of(), a.unhandledNodes());
        for (String id : List.of("g:/Split/out0", "g:/Split/out1", "g:/a/Conv/out", "g:/grouped/Conv/out.per-group-out")) {
            assertTrue(a.group(id) != null && a.group(id).isPrunable(), id);
        }
        assertEquals(16, a.group("g:/a/Conv/out").channels());
        assertEquals(32, a.group("g:/Split/out1").channels());
        assertTrue(a.summary().prunableParamFraction() > 0.999, "coverage " + a.summary().prunableParamFraction()); // fc bias (graph output) excepted

        // removing channel 3 of conv a's output also removes position 3 of group 1 (stem channel 48 + 3)
        CoupledGroup g = a.group("g:/a/Conv/out");
        ModelProto pruned = PlanApplier.apply(model, a, Map.of(g.id(), PlanApplier.keepAllBut(16, 3)));
        long groupedIn = -1;
        for (var t : pruned.getGraph().getInitializerList()) if (t.getName().equals("grouped.weight")) groupedIn = t.getDims(1);
        assertEquals(47, groupedIn, "each group of the grouped conv keeps 47 of 48 inputs");
        Map<String, Oracle.Output> out = Oracle.run(pruned.toByteArray(), 11, 6);
        Map<String, Oracle.Output> zeroed = Oracle.run(Oracle.zeroChannels(model, a, g, 3).toByteArray(), 11, 6);
        assertTrue(Oracle.maxDiff(zeroed, out) < 1e-4, "pruned vs zeroed: " + Oracle.maxDiff(zeroed, out));
    }
}
