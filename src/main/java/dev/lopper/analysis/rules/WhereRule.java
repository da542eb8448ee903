package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/**
 * Where: coupled like every elementwise op ({@link ElementwiseRule}). On shape values it picks entries: torch's
 * {@code expand} writes {@code Where(Equal(shape, -1), ones, shape)}, and since no size equals -1 the condition is
 * known (folded, or an {@code Equal} with a negative literal), so the result is {@code shape} itself, entry by
 * entry, keeping the provenance of its literals (GQA's repeat_kv expands to such a shape).
 */
public final class WhereRule implements OpRule {
    private static final ElementwiseRule ELEMENTWISE = new ElementwiseRule();

    @Override
    public void apply(Node n, AnalysisContext ctx) {
        ELEMENTWISE.apply(n, ctx);
        List<Object> a = ctx.shapeValue(n.input(1)), b = ctx.shapeValue(n.input(2));
        if (a == null || b == null) return;
        int len = Math.max(a.size(), b.size());
        if ((a.size() != len && a.size() != 1) || (b.size() != len && b.size() != 1)) return;
        boolean[] cond = condition(n, ctx, b, len);
        if (cond == null) return;
        AnalysisContext.Provenance[] pa = ctx.provenance(n.input(1)), pb = ctx.provenance(n.input(2));
        List<Object> r = new ArrayList<>();
        AnalysisContext.Provenance[] p = new AnalysisContext.Provenance[len];
        for (int i = 0; i < len; i++) {
            boolean c = cond[cond.length == 1 ? 0 : i];
            List<Object> src = c ? a : b;
            AnalysisContext.Provenance[] ps = c ? pa : pb;
            int k = src.size() == 1 ? 0 : i;
            r.add(src.get(k));
            p[i] = ps != null && src.size() == len && k < ps.length ? ps[k] : null;
        }
        ctx.setShapeValue(n.output(0), r);
        ctx.setProvenance(n.output(0), p);
    }

    /** The condition's values when known: a folded constant, or Equal(shape, negative literal) (always false). */
    private static boolean[] condition(Node n, AnalysisContext ctx, List<Object> shape, int len) {
        long[] c = ctx.longs(n.input(0));
        if (c != null && (c.length == 1 || c.length == len)) {
            boolean[] r = new boolean[c.length];
            for (int i = 0; i < c.length; i++) r[i] = c[i] != 0;
            return r;
        }
        Node eq = ctx.graph().producer(n.input(0)).orElse(null);
        if (eq == null || !eq.opType().equals("Equal") || eq.inputs().size() != 2) return null;
        String other = eq.input(0).equals(n.input(2)) ? eq.input(1) : eq.input(1).equals(n.input(2)) ? eq.input(0) : null;
        long[] lit = other == null ? null : ctx.longs(other);
        if (lit == null || lit.length != 1 || lit[0] >= 0) return null;
        for (Object e : shape) if (!(e instanceof Dim) && !(e instanceof Long v && v >= 0)) return null;
        return new boolean[] {false};
    }
}
