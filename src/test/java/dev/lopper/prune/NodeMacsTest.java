package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.ModelGraph;
import dev.lopper.onnx.OnnxModel;

class NodeMacsTest {
    @Test
    void macsOfProducersFromWeightAndOutputShape() {
        ModelGraph graph = GraphLoader.load(OnnxModel.of(Path.of("mlp.onnx"), TinyModels.mlp()), Map.of("x", new long[] {5, 4}));
        Map<String, long[]> dims = Map.of("W1", new long[] {4, 3}, "W2", new long[] {3, 2});
        Map<String, Long> macs = SliceCostModel.nodeMacs(graph, VerificationTest.GROUPS, dims::get);
        // mm1: x[5,4]·W1[4,3] = 60; mm2: [5,3]·[3,2] = 30
        assertEquals(Map.of("mm1", 60L, "mm2", 30L), macs);
        SliceCostModel m = new SliceCostModel(VerificationTest.GROUPS, dims::get, new ModelCost(18, 90), macs);
        // keep 2 of 3 hidden: W1 8, W2 4 → params 12; mm1 40, mm2 20
        assertEquals(new ModelCost(12, 60), m.count(Map.of("hidden", new GroupPlan("hidden", 3, new int[] {0, 2}))));
    }
}
