package dev.lopper.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.lopper.graph.GraphLoader;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.prune.PlanApplier;
import dev.lopper.task.Progress;
import dev.lopper.testutil.Oracle;

/**
 * A constant several nodes read never couples their channels: vit_shared_consts (torchvision ViT, 3 layers, one
 * Reshape target and one in_proj bias read by every layer) has one head group per layer, and pruning one layer's
 * heads gives that layer its own sliced copy of the bias while the others keep theirs.
 */
class SharedConstantsTest {
    static final Path MODEL = Path.of("src/test/resources/models/vit_shared_consts_op13.onnx");
    static final String BIAS = "encoder.layers.encoder_layer_0.self_attention.in_proj_bias";

    static List<CoupledGroup> headGroups(GroupAnalysis a) {
        List<CoupledGroup> heads = new ArrayList<>();
        for (CoupledGroup g : a.groups()) if (g.id().endsWith("self_attention/Slice/slice.outer")) heads.add(g);
        return heads;
    }

    @Test
    void everyLayerHasItsOwnHeadGroupDespiteSharedConstants() throws Exception {
        OnnxModel model = OnnxModel.read(MODEL);
        GroupAnalysis a = GroupAnalyzer.analyze(GraphLoader.load(model, Map.of()), Progress.NONE);
        List<CoupledGroup> heads = headGroups(a);
        assertEquals(3, heads.size(), "one head group per layer");
        Set<Integer> copies = new TreeSet<>();
        for (int layer = 0; layer < 3; layer++) {
            CoupledGroup g = heads.get(layer);
            assertEquals(4, g.channels());
            assertTrue(g.isPrunable(), g.id() + " " + g.lockReasons());
            assertTrue(g.id().contains("encoder_layer_" + layer), g.id());
            for (ParamSlice s : g.slices()) {
                if (s.tensor().equals(BIAS)) {
                    assertEquals(3, s.copies(), "the shared bias gets one copy per layer");
                    copies.add(s.copy());
                } else {
                    // every other weight it slices is its own layer's (or the unnamed MatMul weight of its own node)
                    assertTrue(s.tensor().contains("encoder_layer_" + layer) || s.node().contains("encoder_layer_" + layer), s.toString());
                }
            }
        }
        assertEquals(Set.of(0, 1, 2), copies, "each layer slices a different copy of the shared bias");
        assertEquals(Set.of(BIAS), a.sharedCopies().keySet());
        assertEquals(3, a.sharedCopies().get(BIAS).size());
        // the three per-layer classes of readers are disjoint
        Set<String> readers = new TreeSet<>();
        for (GroupAnalysis.SharedCopy c : a.sharedCopies().get(BIAS)) for (String n : c.nodes()) assertTrue(readers.add(n), n);
        assertEquals(3, readers.size());
    }

    @Test
    void pruningOneLayersHeadsClonesTheSharedBiasAndMatchesTheZeroedOriginal() throws Exception {
        OnnxModel model = OnnxModel.read(MODEL);
        GroupAnalysis a = GroupAnalyzer.analyze(GraphLoader.load(model, Map.of()), Progress.NONE);
        assertEquals(model.proto(), PlanApplier.apply(model, a, Map.of()), "an empty plan changes nothing");

        CoupledGroup layer1 = headGroups(a).get(1);
        ModelProto pruned = PlanApplier.apply(model, a, Map.of(layer1.id(), PlanApplier.keepAllBut(4, 2)));
        Map<String, Long> biasSizes = new TreeMap<>();
        for (TensorProto t : pruned.getGraph().getInitializerList()) {
            if (t.getName().startsWith(BIAS)) biasSizes.put(t.getName(), t.getDims(0));
        }
        assertFalse(biasSizes.containsKey(BIAS), "the shared original is gone once every reader has its copy: " + biasSizes);
        assertEquals(List.of(96L, 72L, 96L), new ArrayList<>(biasSizes.values()), "copies " + biasSizes);

        Map<String, Oracle.Output> out = Oracle.run(pruned.toByteArray(), 11, 6);
        Map<String, Oracle.Output> zeroed = Oracle.run(Oracle.zeroChannels(model, a, layer1, 2).toByteArray(), 11, 6);
        Map<String, Oracle.Output> original = Oracle.run(model.proto().toByteArray(), 11, 6);
        assertTrue(Oracle.maxDiff(zeroed, out) < 1e-4, "pruned vs zeroed original: " + Oracle.maxDiff(zeroed, out));
        assertTrue(Oracle.maxDiff(original, out) > 1e-3, "removing a head changes the outputs (the test can fail)");

        // params: the analysis' count equals the written tensors (two untouched copies + one sliced)
        GroupAnalysis after = GroupAnalyzer.analyze(GraphLoader.load(OnnxModel.of(MODEL, pruned), Map.of()), Progress.NONE);
        assertEquals(after.summary().totalParams(), a.paramsAfter(Map.of(layer1.id(), 3)));
    }
}
