package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.importance.ChannelScores;

/** Global allocation with a per-group cap (a candidate of the calibrated allocation): no group is gutted. */
class CappedGlobalAllocationTest {
    @Test
    void aCappedGroupPassesItsChannelsToTheNextRankedGroups() {
        CoupledGroup a = ProductAxisAllocationTest.g("A", 10, List.of()), b = ProductAxisAllocationTest.g("B", 10, List.of());
        double[] low = new double[10], high = new double[10];
        for (int i = 0; i < 10; i++) {
            low[i] = 0.01 * (i + 1);   // A's channels all rank below B's
            high[i] = 1 + i;
        }
        Map<String, ChannelScores> sc = Map.of("A", new ChannelScores(low, "t"), "B", new ChannelScores(high, "t"));
        PruningSettings s = PruningSettings.ratio(0.5).withRoundTo(1).withAllocation(Allocation.GLOBAL);
        // plain global: 10 of 20 go, all from A except the one it must keep
        Map<String, GroupPlan> plain = Allocator.allocate(List.of(a, b), sc, s, 0.5);
        assertEquals(1, plain.get("A").keptCount());
        assertEquals(9, plain.get("B").keptCount());
        // capped at 0.65: A loses at most 6, B gives the other 4
        Map<String, GroupPlan> capped = Allocator.allocateCapped(List.of(a, b), sc, s, 0.5, 0.65);
        assertEquals(4, capped.get("A").keptCount());
        assertEquals(6, capped.get("B").keptCount());
    }
}
