package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.IndexMap;
import dev.lopper.analysis.Member;
import dev.lopper.graph.Node;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.task.Progress;

/** A channel axis that is groups × per-group loses the ratio on the real axis, not 1-(1-r)². */
class ProductAxisAllocationTest {
    static CoupledGroup g(String id, int channels, List<String> inner, String... lock) {
        return new CoupledGroup(id, channels, List.of(new Member("n" + id, "t" + id, 1, IndexMap.IDENTITY)), List.of(),
                List.of(lock), 1, 1, 1, 1, List.of(), inner);
    }

    static Map<String, ChannelScores> scores(CoupledGroup... gs) {
        Map<String, ChannelScores> m = new LinkedHashMap<>();
        for (CoupledGroup x : gs) {
            double[] v = new double[x.channels()];
            for (int i = 0; i < v.length; i++) v[i] = v.length - i;
            m.put(x.id(), new ChannelScores(v, "t"));
        }
        return m;
    }

    @Test
    void outerFactorStaysWholeUnlessItsInnerFactorCannotBePrunedOrItIsOverridden() {
        CoupledGroup outer = g("G", 4, List.of("P")), inner = g("P", 6, List.of()), other = g("O", 10, List.of());
        Map<String, ChannelScores> sc = scores(outer, inner, other);
        for (Allocation a : Allocation.values()) {
            if (a != Allocation.UNIFORM && a != Allocation.GLOBAL) continue;
            Map<String, GroupPlan> p = Allocator.allocate(List.of(outer, inner, other), sc,
                    PruningSettings.ratio(0.5).withRoundTo(1).withAllocation(a), 0.5);
            assertFalse(p.containsKey("G"), a.toString());
            // 16 channels in the pool (P and O), 8 removed; uniform: 3 of P, 5 of O
            int removed = p.get("P").removedCount() + p.get("O").removedCount();
            assertEquals(8, removed, a.toString());
        }
        Map<String, GroupPlan> p = Allocator.allocate(List.of(outer, inner), sc,
                PruningSettings.ratio(0.5).withRoundTo(1), 0.5);
        assertEquals(3, p.get("P").keptCount());
        // the user's override of the outer factor applies
        p = Allocator.allocate(List.of(outer, inner), sc,
                PruningSettings.ratio(0.5).withRoundTo(1).withOverrides(Map.of("G", 0.5)), 0.5);
        assertEquals(2, p.get("G").keptCount());
        assertEquals(3, p.get("P").keptCount());
        // inner factor locked: the outer one carries the ratio
        CoupledGroup lockedInner = g("P", 6, List.of(), "graph output 'y'");
        p = Allocator.allocate(List.of(outer, lockedInner), sc, PruningSettings.ratio(0.5).withRoundTo(1), 0.5);
        assertEquals(2, p.get("G").keptCount());
        // inner factor protected: the same
        p = Allocator.allocate(List.of(outer, inner), sc,
                PruningSettings.ratio(0.5).withRoundTo(1).withProtected(java.util.Set.of("nP")), 0.5);
        assertEquals(2, p.get("G").keptCount());
        assertFalse(p.containsKey("P"));
    }

    @Test
    void globalAllocationCountsAnInnerFactorChannelOncePerOuterChannel() {
        // G (4 conv groups) × P (6 per group) = 24 real channels, O 10: 34 real, ratio 0.5 → 17 removed
        CoupledGroup outer = g("G", 4, List.of("P")), inner = g("P", 6, List.of()), other = g("O", 10, List.of());
        Map<String, ChannelScores> sc = new LinkedHashMap<>();
        sc.put("G", new ChannelScores(new double[] {9, 9, 9, 9}, "t"));
        sc.put("P", new ChannelScores(new double[] {0.6, 0.5, 0.4, 0.3, 0.2, 0.1}, "t")); // P's channels are the cheapest
        sc.put("O", new ChannelScores(new double[] {10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, "t"));
        Map<String, GroupPlan> p = Allocator.allocate(List.of(outer, inner, other), sc,
                PruningSettings.ratio(0.5).withRoundTo(1).withAllocation(Allocation.GLOBAL), 0.5);
        // P's 4 cheapest channels are 16 real ones; a fifth (20) would overshoot 17, so O's cheapest gives the last one
        assertEquals(4, p.get("P").removedCount());
        assertEquals(1, p.get("O").removedCount());
        assertEquals(17, 4 * p.get("P").removedCount() + p.get("O").removedCount());
        assertFalse(p.containsKey("G"));
    }

    /** The real out-channel count of every Conv once the session's uniform plan at the ratio is applied. */
    static Map<String, long[]> convChannels(Path model, double ratio) throws Exception {
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        Map<String, ChannelScores> sc = s.score(ScoringOptions.defaults(), Progress.NONE);
        PruningPlan plan = s.plan(sc, ScoringOptions.defaults(), PruningSettings.ratio(ratio).withRoundTo(1), Progress.NONE).plan();
        ModelProto out = s.rewrite(plan.groups());
        Map<String, Long> written = new LinkedHashMap<>();
        for (TensorProto t : out.getGraph().getInitializerList()) if (t.getDimsCount() == 4) written.put(t.getName(), t.getDims(0));
        Map<String, long[]> r = new LinkedHashMap<>();
        for (Node n : s.graph().nodes()) {
            if (!n.opType().equals("Conv")) continue;
            Dim out0 = s.analysis().tensorDims().get(n.input(1))[0];
            boolean locked = false;
            for (CoupledGroup g : s.analysis().groupsOfTensor(n.input(1))) {
                if (!g.isPrunable() && g.members().stream().anyMatch(m -> m.tensor().equals(n.input(1)) && m.axis() == 0)) locked = true;
            }
            if (locked) continue;
            r.put(n.name(), new long[] {out0.size(), written.get(n.input(1))});
        }
        return r;
    }

    @Test
    void digitsStemKeepsHalfItsRealChannelsAtRatioHalf() throws Exception {
        Map<String, long[]> c = convChannels(Path.of("samples/digits_cnn.onnx"), 0.5);
        assertEquals(24, c.get("/stem/stem.0/Conv")[0]);
        assertEquals(12, c.get("/stem/stem.0/Conv")[1]);
        for (var e : c.entrySet()) assertEquals(e.getValue()[0] / 2, e.getValue()[1], e.getKey());
    }

    @Test
    void resnextGroupedConvsKeepHalfTheirRealChannelsAtRatioHalf() throws Exception {
        Map<String, long[]> c = convChannels(Path.of("src/test/resources/models/resnext_slim_op13.onnx"), 0.5);
        assertEquals(16, c.get("/layer1/layer1.0/conv2/Conv")[0]);
        int grouped = 0;
        for (var e : c.entrySet()) {
            assertEquals(e.getValue()[0] / 2, e.getValue()[1], e.getKey());
            if (e.getKey().endsWith("conv2/Conv")) grouped++;
        }
        assertTrue(grouped >= 4, "grouped convs checked: " + grouped);
    }
}
