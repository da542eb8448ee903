package dev.lopper.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ShuffleNet v2 (chunk after a channel shuffle) and Swin (window partition reshapes, fused qkv): the share of
 * parameters in prunable groups was 87.2 % and 82.9 %; the target is 95 %. The pruned models are checked against
 * ONNX Runtime by {@code ManifestOracleTest} and {@code PruneManifestTest}.
 */
class ShuffleWindowCoverageTest {
    @ParameterizedTest
    @ValueSource(strings = {"shufflenet_v2_slim_op13.onnx", "shufflenet_v2_slim_op17.onnx"})
    void shuffledChunksFollowTheirChannels(String file) throws Exception {
        GroupAnalysis a = ManifestGroupsTest.analyze(file);
        assertTrue(a.summary().prunableParamFraction() >= 0.95, file + ": " + a.summaryLine());
        for (CoupledGroup g : a.groups()) {
            for (String r : g.lockReasons()) {
                // only the graph input/output and the "which branch" index of each shuffle stay locked
                assertTrue(r.startsWith("graph ") || r.contains("interleaved (channel shuffle)"), file + " " + g.id() + ": " + r);
            }
        }
        // the chunk after the stage-2 shuffle cuts the shuffled channels into two prunable runs of 4 (2 × 4 = 8 each half)
        CoupledGroup first = a.group("g:/stage2/stage2.1/Slice/slice");
        CoupledGroup second = a.group("g:/stage2/stage2.1/Slice/slice.after");
        assertTrue(first.isPrunable() && second.isPrunable());
        assertEquals(4, first.channels());
        assertEquals(4, second.channels());
        // a kept channel of the first run occupies two neighbouring positions of the shuffled tensor (one per branch)
        assertTrue(first.slices().stream().anyMatch(s -> s.map().block() == 2), file);
    }

    @ParameterizedTest
    @ValueSource(strings = {"swin_slim_op13.onnx", "swin_slim_op17.onnx"})
    void windowPartitionPassesChannelsAndHeadsArePrunable(String file) throws Exception {
        GroupAnalysis a = ManifestGroupsTest.analyze(file);
        assertTrue(a.summary().prunableParamFraction() >= 0.95, file + ": " + a.summaryLine());
        assertTrue(a.summary().prunableMacFraction() >= 0.95, file + ": " + a.summaryLine());
        assertEquals(List.of(), a.unhandledNodes().stream().filter(r -> r.startsWith("Reshape")).toList(), file);
        // the residual stream (embedding width 16) runs through the window partition and merge reshapes
        CoupledGroup stream = a.group("g:/features/features.0/features.0.0/Conv/out");
        assertTrue(stream.isPrunable(), file + ": " + stream.lockReasons());
        assertEquals(16, stream.channels());
        // heads of the fused qkv projection (3 × heads × head_dim): 2 heads in stage 1, 4 in stage 2, all prunable
        int heads = 0;
        for (CoupledGroup g : a.groups()) {
            if (g.id().endsWith("attn/MatMul/out.inner.outer")) {
                assertTrue(g.isPrunable(), g.id() + ": " + g.lockReasons());
                heads += g.channels();
            }
        }
        assertEquals(2 + 2 + 4 + 4, heads, file);
    }
}
