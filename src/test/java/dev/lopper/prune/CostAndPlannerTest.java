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
    static final ModelCost BEFORE = new ModelCost(404, 32860);

    static Member m(String node) { return new Member(node, node + "_t", 1, IndexMap.IDENTITY); }

    static ParamSlice s(String node, String t, int axis, Role r) { return new ParamSlice(node, t, axis, IndexMap.IDENTITY, r); }

    /**
     * The toy model's exact cost for kept counts k1 (g1) and k2 (g2): W1 k1·27, b1 k1, W2 k2·k1·9, b2 k2, W3 10·k2,
     * b3 10; MACs conv1 10800·k1/4, relu1 400·k1/4, conv2 21600·k1/4·k2/6, fc 60·k2/6.
     */
    static final CostCounter EXACT = plan -> {
        long k1 = plan.containsKey("g1") ? plan.get("g1").keptCount() : 4;
        long k2 = plan.containsKey("g2") ? plan.get("g2").keptCount() : 6;
        long params = k1 * 27 + k1 + k2 * k1 * 9 + k2 + 10 * k2 + 10;
        double macs = 10800.0 * k1 / 4 + 400.0 * k1 / 4 + 21600.0 * k1 / 4 * k2 / 6 + 60.0 * k2 / 6;
        return new ModelCost(params, Math.round(macs));
    };

    @Test
    void theToyCounterStartsAtTheModelsCost() {
        assertEquals(BEFORE, EXACT.count(Map.of()));
    }

    @Test
    void paramsTargetIsMetByBisection() {
        Map<String, ChannelScores> sc = Map.of("g1", new ChannelScores(new double[] {4, 3, 2, 1}, "t"),
                "g2", new ChannelScores(new double[] {6, 5, 4, 3, 2, 1}, "t"));
        PruningSettings s = PruningSettings.ratio(0).withRoundTo(1).withTarget(PruneTarget.params(0.5));
        Planner.Result r = Planner.plan(List.of(G1, G2), sc, ScoringOptions.defaults(), s, EXACT, BEFORE,
                "abc", "m.onnx", Progress.NONE);
        // below r = 0.5 the plan removes 1 + 2 channels and keeps 246 params > 202; at 0.5 it removes 2 + 3 → 153
        assertEquals(0.5, r.plan().settings().ratioUsed(), 1e-4);
        assertEquals(153, r.after().params());
        assertEquals(2, r.plan().groups().get("g1").keptCount());
        assertEquals(3, r.plan().groups().get("g2").keptCount());
        assertEquals("l1", r.plan().settings().criterion());
        assertEquals("mean", r.plan().settings().normalization());

        PlanException e = assertThrows(PlanException.class, () -> Planner.plan(List.of(G1, G2), sc, ScoringOptions.defaults(),
                s.withTarget(PruneTarget.params(0.05)), EXACT, BEFORE, "abc", "m.onnx", Progress.NONE));
        // at the minimum (1 channel each): W1 27, b1 1, W2 9, b2 1, W3 10, b3 10 = 58 → 14.4%
        assertEquals("cannot keep only 5.0% of parameters: pruning every eligible group to its minimum still keeps 14.4%", e.getMessage());
        Planner.Result macs = Planner.plan(List.of(G1, G2), sc, ScoringOptions.defaults(), s.withTarget(PruneTarget.macs(0.5)),
                EXACT, BEFORE, "abc", "m.onnx", Progress.NONE);
        assertTrue(macs.after().macsFraction(BEFORE) <= 0.5);
    }
}
