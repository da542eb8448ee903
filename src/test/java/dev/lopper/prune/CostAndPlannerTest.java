package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.IndexMap;
import dev.lopper.analysis.Member;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.task.Progress;

class CostAndPlannerTest {
    // conv1 W1[4,3,3,3] → relu1 → conv2 W2[6,4,3,3] → fc W3[10,6]; g1 = conv1's 4 channels, g2 = conv2's 6
    static final Map<String, long[]> DIMS = Map.of("W1", new long[] {4, 3, 3, 3}, "b1", new long[] {4},
            "W2", new long[] {6, 4, 3, 3}, "b2", new long[] {6}, "W3", new long[] {10, 6}, "b3", new long[] {10});
    static final CoupledGroup G1 = new CoupledGroup("g1", 4,
            List.of(m("conv1"), m("relu1"), m("conv2")),
            List.of(s("conv1", "W1", 0, Role.PRODUCER_WEIGHT), s("conv1", "b1", 0, Role.PRODUCER_BIAS), s("conv2", "W2", 1, Role.CONSUMER_WEIGHT)),
            List.of(), 82, 8100, 1, 1);
    static final CoupledGroup G2 = new CoupledGroup("g2", 6, List.of(m("conv2"), m("fc")),
            List.of(s("conv2", "W2", 0, Role.PRODUCER_WEIGHT), s("conv2", "b2", 0, Role.PRODUCER_BIAS), s("fc", "W3", 1, Role.CONSUMER_WEIGHT)),
            List.of(), 47, 3610, 1, 1);
    static final Map<String, Long> NODE_MACS = Map.of("conv1", 10800L, "conv2", 21600L, "fc", 60L, "relu1", 400L);
    static final ModelCost BEFORE = new ModelCost(404, 32860);

    static Member m(String node) { return new Member(node, node + "_t", 1, IndexMap.IDENTITY); }

    static ParamSlice s(String node, String t, int axis, Role r) { return new ParamSlice(node, t, axis, IndexMap.IDENTITY, r); }

    static SliceCostModel model(Map<String, Long> macs) { return new SliceCostModel(List.of(G1, G2), DIMS::get, BEFORE, macs); }

    @Test
    void parametersShrinkByTheProductOfKeptFractions() {
        Map<String, GroupPlan> plan = Map.of("g1", new GroupPlan("g1", 4, new int[] {0, 1}),
                "g2", new GroupPlan("g2", 6, new int[] {0, 1, 2}));
        ModelCost c = model(NODE_MACS).count(plan);
        // removed: W1 54, b1 2, W2 216−54 = 162, b2 3, W3 30 → 251 (per-channel sums would say 2·82 + 3·47 = 305)
        assertEquals(404 - 251, c.params());
        // conv1 10800·½, conv2 21600·¼, fc 60·½, relu1 400·½
        assertEquals(5400 + 5400 + 30 + 200, c.macs());
        assertEquals(BEFORE, model(NODE_MACS).count(Map.of()));
    }

    @Test
    void macsEstimateWithoutNodeMacs() {
        // ρ(g1) = 8100/82, ρ(g2) = 3610/47; W2 is in both groups so it gets their mean
        double r1 = 8100.0 / 82, r2 = 3610.0 / 47;
        Map<String, GroupPlan> plan = Map.of("g1", new GroupPlan("g1", 4, new int[] {0, 1}));
        // W1 loses ½ of 108 elements, W2 loses ½ of 216
        double removed = 108 * r1 * 0.5 + 216 * (r1 + r2) / 2 * 0.5;
        assertEquals(Math.round(32860 - removed), model(null).count(plan).macs());
    }

    @Test
    void paramsTargetIsMetByBisection() {
        Map<String, ChannelScores> sc = Map.of("g1", new ChannelScores(new double[] {4, 3, 2, 1}, "t"),
                "g2", new ChannelScores(new double[] {6, 5, 4, 3, 2, 1}, "t"));
        PruningSettings s = PruningSettings.ratio(0).withRoundTo(1).withTarget(PruneTarget.params(0.5));
        Planner.Result r = Planner.plan(List.of(G1, G2), sc, ScoringOptions.defaults(), s, model(NODE_MACS), BEFORE,
                "abc", "m.onnx", Progress.NONE);
        // below r = 0.5 the plan removes 1 + 2 channels and keeps 246 params > 202; at 0.5 it removes 2 + 3 → 153
        assertEquals(0.5, r.plan().settings().ratioUsed(), 1e-4);
        assertEquals(153, r.after().params());
        assertEquals(2, r.plan().groups().get("g1").keptCount());
        assertEquals(3, r.plan().groups().get("g2").keptCount());
        assertEquals("l1", r.plan().settings().criterion());
        assertEquals("mean", r.plan().settings().normalization());

        PlanException e = assertThrows(PlanException.class, () -> Planner.plan(List.of(G1, G2), sc, ScoringOptions.defaults(),
                s.withTarget(PruneTarget.params(0.05)), model(NODE_MACS), BEFORE, "abc", "m.onnx", Progress.NONE));
        // at the minimum (1 channel each): W1 27, b1 1, W2 9, b2 1, W3 10, b3 10 = 58 → 14.4%
        assertEquals("cannot keep only 5.0% of parameters: pruning every eligible group to its minimum still keeps 14.4%", e.getMessage());
        Planner.Result macs = Planner.plan(List.of(G1, G2), sc, ScoringOptions.defaults(), s.withTarget(PruneTarget.macs(0.5)),
                model(NODE_MACS), BEFORE, "abc", "m.onnx", Progress.NONE);
        assertTrue(macs.after().macsFraction(BEFORE) <= 0.5);
    }
}
