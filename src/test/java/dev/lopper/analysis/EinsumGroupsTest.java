package dev.lopper.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.prune.PlanApplier;
import dev.lopper.testutil.ModelBuilder;
import dev.lopper.testutil.Oracle;

/** EinsumRule: letters couple axes, constant operands start and end groups, unknown equations lock. */
class EinsumGroupsTest {
    static GroupAnalysis analyze(ModelBuilder b) { return RuleGroupsTest.analyze(b); }

    static String einsum(ModelBuilder b, String name, String eq, String x, String y) {
        return b.node("Einsum", name, List.of(x, y), "equation", eq);
    }

    @Test
    void projectionsStartAndEndAGroupWithItsMacs() throws Exception {
        ModelBuilder b = ModelBuilder.create("einsum_mlp");
        b.input("x", 1, 4, 8);
        String h = einsum(b, "up", "bsh,hd->bsd", "x", b.weight("w1", 8, 6));
        String r = b.relu("act", h);
        einsum(b, "down", "bsd,do->bso", r, b.weight("w2", 6, 3));
        b.output("down", 1, 4, 3);
        GroupAnalysis a = analyze(b);
        CoupledGroup g = a.group("g:up/out");
        assertEquals(6, g.channels());
        assertTrue(g.isPrunable(), g.lockReasons().toString());
        Map<String, ParamSlice> s = RuleGroupsTest.slices(g);
        assertEquals(ParamSlice.Role.PRODUCER_WEIGHT, s.get("w1@1").role());
        assertEquals(ParamSlice.Role.CONSUMER_WEIGHT, s.get("w2@0").role());
        assertEquals(8 + 3, g.paramsPerChannel());
        // the product of each Einsum's letter sizes (b·s·h and b·s·o per d), plus the Relu's one op per element
        assertEquals(1 * 4 * 8 + 1 * 4 * 3 + 1 * 4, g.macsPerChannel());
        oracleHolds(b, a, g);
    }

    @Test
    void attentionCouplesQueryAndKeyDimsAndValueDimsWithTheOutput() throws Exception {
        ModelBuilder b = ModelBuilder.create("einsum_attention");
        b.input("x", 1, 4, 8);
        String q = einsum(b, "q", "bsh,hd->bsd", "x", b.weight("wq", 8, 6));
        String k = einsum(b, "k", "bsh,hd->bsd", "x", b.weight("wk", 8, 6));
        String v = einsum(b, "v", "bsh,hd->bsd", "x", b.weight("wv", 8, 5));
        String sc = einsum(b, "scores", "bqd,bkd->bqk", q, k);
        String p = b.node("Softmax", "softmax", List.of(sc), "axis", -1L);
        String ctx = einsum(b, "context", "bqk,bkd->bqd", p, v);
        einsum(b, "out", "bqd,do->bqo", ctx, b.weight("wo", 5, 3));
        b.output("out", 1, 4, 3);
        GroupAnalysis a = analyze(b);
        CoupledGroup qk = a.group("g:q/out");
        assertEquals(6, qk.channels());
        assertTrue(qk.memberNodes().contains("k"), "QKᵀ couples the key projection: " + qk.memberNodes());
        assertTrue(RuleGroupsTest.slices(qk).containsKey("wk@1"));
        CoupledGroup vo = a.group("g:v/out");
        assertEquals(5, vo.channels());
        assertEquals(ParamSlice.Role.CONSUMER_WEIGHT, RuleGroupsTest.slices(vo).get("wo@0").role());
        assertEquals(List.of("g:q/out:6:prunable", "g:v/out:5:prunable"),
                RuleGroupsTest.summary(a).stream().filter(x -> x.endsWith("prunable")).toList());
        oracleHolds(b, a, qk);
        oracleHolds(b, a, vo);
    }

    @Test
    void aDiagonalLocksWithTheEquation() {
        ModelBuilder b = ModelBuilder.create("einsum_diagonal");
        b.input("x", 1, 8);
        String y = einsum(b, "proj", "bi,ij->bj", "x", b.weight("w", 8, 6));
        einsum(b, "diag", "bj,jj->bj", y, b.weight("d", 6, 6));
        b.output("diag", 1, 6);
        GroupAnalysis a = analyze(b);
        CoupledGroup g = a.group("g:proj/out");
        assertTrue(g.lockReasons().contains("Einsum equation 'bj,jj->bj' not supported (letter 'j' repeats within operand 1 (diagonal)) at node 'diag'"),
                g.lockReasons().toString());
    }

    /** Removing the last channel gives, in ONNX Runtime, the original with that channel's weights zeroed. */
    private static void oracleHolds(ModelBuilder b, GroupAnalysis a, CoupledGroup g) throws Exception {
        int c = g.channels() - 1;
        var pruned = PlanApplier.apply(b.model(), a, Map.of(g.id(), PlanApplier.keepAllBut(g.channels(), c)));
        double diff = Oracle.maxDiff(Oracle.run(Oracle.zeroChannels(b.model(), a, g, c).toByteArray(), 3, 4),
                Oracle.run(pruned.toByteArray(), 3, 4));
        assertTrue(diff < 1e-5, g.id() + " differs by " + diff);
        assertTrue(Oracle.maxDiff(Oracle.run(b.build().toByteArray(), 3, 4), Oracle.run(pruned.toByteArray(), 3, 4)) > 1e-6,
                "removing a channel changes the outputs");
    }
}
