package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.IndexMap;
import dev.lopper.analysis.Member;
import dev.lopper.importance.ChannelScores;

class AllocatorTest {
    static CoupledGroup g(String id, int channels, int minChannels, int multipleOf, String... lock) {
        return new CoupledGroup(id, channels, List.of(new Member("n" + id, "t" + id, 1, IndexMap.IDENTITY)), List.of(),
                List.of(lock), 1, 1, minChannels, multipleOf);
    }

    static final CoupledGroup A = g("A", 10, 1, 1), B = g("B", 4, 1, 1), C = g("C", 8, 1, 4), L = g("L", 5, 1, 1, "no rule for op 'GRU' at node 'gru'");
    static final Map<String, ChannelScores> SCORES = new LinkedHashMap<>();

    static {
        SCORES.put("A", new ChannelScores(new double[] {10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, "t"));
        SCORES.put("B", new ChannelScores(new double[] {0.1, 5, 0.2, 3}, "t"));
        SCORES.put("C", new ChannelScores(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, "t"));
        SCORES.put("L", new ChannelScores(new double[] {1, 2, 3, 4, 5}, "t"));
    }

    static Map<String, GroupPlan> alloc(PruningSettings s, double r) {
        return Allocator.allocate(List.of(A, B, C, L), SCORES, s, r);
    }

    @Test
    void uniformRemovesTheFlooredFractionOfLowestScores() {
        Map<String, GroupPlan> p = alloc(PruningSettings.ratio(0.3).withRoundTo(1), 0.3);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, p.get("A").kept());
        assertArrayEquals(new int[] {1, 2, 3}, p.get("B").kept());
        // C: 8 - 2 = 6 → multiple of 4 → 8 = whole; L is locked
        assertEquals(Set.of("A", "B"), p.keySet());
    }

    @Test
    void roundToRoundsKeptCountsUp() {
        Map<String, GroupPlan> p = alloc(PruningSettings.ratio(0.3).withRoundTo(4), 0.3);
        assertEquals(8, p.get("A").keptCount());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, p.get("A").kept());
        assertFalse(p.containsKey("B")); // 3 → 4 = whole
        p = alloc(PruningSettings.ratio(0.6).withRoundTo(3), 0.6);
        // A: keep 4 → lcm(3,1)=3 → 6; C: keep 4 → lcm(3,4)=12 > 8 → falls back to its own multiple 4
        assertEquals(6, p.get("A").keptCount());
        assertArrayEquals(new int[] {4, 5, 6, 7}, p.get("C").kept());
    }

    @Test
    void minimumChannelsNeverZero() {
        Map<String, GroupPlan> p = alloc(PruningSettings.ratio(0.99).withRoundTo(1), 0.99);
        assertArrayEquals(new int[] {0}, p.get("A").kept());
        assertArrayEquals(new int[] {1}, p.get("B").kept());
        assertArrayEquals(new int[] {4, 5, 6, 7}, p.get("C").kept());
        p = alloc(PruningSettings.ratio(0.99).withRoundTo(1).withMinChannels(3), 0.99);
        assertArrayEquals(new int[] {0, 1, 2}, p.get("A").kept());
        assertArrayEquals(new int[] {1, 2, 3}, p.get("B").kept());
        CoupledGroup structuralMin = g("S", 6, 5, 1);
        Map<String, GroupPlan> q = Allocator.allocate(List.of(structuralMin),
                Map.of("S", new ChannelScores(new double[] {6, 5, 4, 3, 2, 1}, "t")), PruningSettings.ratio(0.9).withRoundTo(1), 0.9);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, q.get("S").kept());
    }

    @Test
    void protectedNodesAndOverrides() {
        PruningSettings s = PruningSettings.ratio(0.3).withRoundTo(1).withProtected(Set.of("nB"))
                .withOverrides(Map.of("A", 0.5));
        Map<String, GroupPlan> p = alloc(s, 0.3);
        assertEquals(Set.of("A"), p.keySet());
        assertEquals(5, p.get("A").keptCount());
        assertEquals("protected node nB", Allocator.ineligibility(B, s, SCORES).orElseThrow());
        assertEquals("locked: no rule for op 'GRU' at node 'gru'", Allocator.ineligibility(L, s, SCORES).orElseThrow());
    }

    @Test
    void globalRanksAllChannelsTogetherWithinGroupMinimums() {
        CoupledGroup x = g("X", 4, 1, 1), y = g("Y", 6, 1, 1);
        Map<String, ChannelScores> sc = Map.of(
                "X", new ChannelScores(new double[] {0.5, 1.5, 1.0, 1.0}, "t"),
                "Y", new ChannelScores(new double[] {0.2, 0.9, 3.0, 0.1, 1.8, 0.0}, "t"));
        PruningSettings s = PruningSettings.ratio(0.4).withRoundTo(1).withAllocation(Allocation.GLOBAL);
        // the 4 lowest of 10: Y5 0.0, Y3 0.1, Y0 0.2, X0 0.5
        Map<String, GroupPlan> p = Allocator.allocate(List.of(x, y), sc, s, 0.4);
        assertArrayEquals(new int[] {1, 2, 3}, p.get("X").kept());
        assertArrayEquals(new int[] {1, 2, 4}, p.get("Y").kept());
        // Y must keep 4: Y5, Y3, then X0, then X3 (tie with X2: the higher index goes first)
        p = Allocator.allocate(List.of(x, g("Y", 6, 4, 1)), sc, s, 0.4);
        assertArrayEquals(new int[] {0, 1, 2, 4}, p.get("Y").kept());
        assertArrayEquals(new int[] {1, 2}, p.get("X").kept());
    }

    @Test
    void ratioZeroRemovesNothing() {
        assertTrue(alloc(PruningSettings.ratio(0).withRoundTo(1), 0).isEmpty());
    }

    @Test
    void keptIndicesAreValidated() {
        GroupPlan gp = new GroupPlan("g", 5, new int[] {0, 3});
        assertArrayEquals(new int[] {1, 2, 4}, gp.removed());
        assertEquals("group g: kept index 5 is out of range [0, 5)",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> new GroupPlan("g", 5, new int[] {1, 5})).getMessage());
    }
}
