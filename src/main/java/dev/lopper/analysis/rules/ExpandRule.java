package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.DimSpace;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.Rewrite;
import dev.lopper.graph.Node;

/**
 * Expand: broadcast of the input to a shape value. Axes the shape keeps pass through; a constant shape
 * that names a channel count is rewritten, and so is a literal of a computed shape when its stored constant is
 * known (GQA's repeat_kv expands [b, kv, 1, s, d] to Concat(b, kv, n_rep, s, d)); a literal of unknown origin
 * locks its dim.
 */
public final class ExpandRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        List<Object> sv = ctx.shapeValue(n.input(1));
        if (sv == null) throw new RuleFailure("Expand to a computed shape at node '" + n.name() + "'");
        int rank = Math.max(x.length, sv.size());
        AnalysisContext.Provenance[] prov = ctx.provenance(n.input(1));
        List<Dim> deps = ctx.isConstant(n.input(1)) ? List.of() : ctx.shapeDependencies(n.input(1));
        Dim[] out = new Dim[rank];
        List<Dim> entries = new ArrayList<>();
        for (int j = 1; j <= rank; j++) {
            Dim xd = x.length >= j ? x[x.length - j] : null;
            Object e = sv.size() >= j ? sv.get(sv.size() - j) : null;
            Dim o;
            Dim entryDim;
            if (e == null && sv.size() >= j) throw new RuleFailure("Expand to an unknown shape at node '" + n.name() + "'");
            if (e == null) { o = xd; entryDim = null; }
            else if (e instanceof String) {
                o = xd != null && xd.size() != 1 ? xd : ctx.fresh(-1);
                entryDim = o;
            }
            else if (e instanceof Dim d) {
                if (xd != null && xd.size() != 1) ctx.unify(xd, d, n.name());
                o = d;
                entryDim = d;
            } else {
                long v = (Long) e;
                if (xd != null && (v == 1 || v == xd.size())) { o = xd; entryDim = v == 1 ? ctx.fresh(1) : xd; }
                else {
                    if (xd != null && xd.size() != 1) throw new RuleFailure("Expand sizes do not match at node '" + n.name() + "'");
                    o = ctx.fresh(v);
                    entryDim = o;
                }
                if (v > 1 && !ctx.isConstant(n.input(1))) {
                    // a literal of a computed shape (Concat(batch, 2, 4, seq, 8) of GQA's repeat_kv): patched in place
                    // when its dim changes, else that dim may not change
                    int at = sv.size() - j;
                    if (prov != null && at < prov.length && prov[at] != null) {
                        ctx.rewrite(new Rewrite.ConstantPatch(prov[at].node(), prov[at].input(), prov[at].constant(), prov[at].element(), o));
                    } else if (!(o == xd && readAtRunTime(xd, deps))) {
                        ctx.lock(o, "Expand to a computed shape naming size " + v + " at node '" + n.name() + "'");
                    }
                }
            }
            out[rank - j] = o;
            if (sv.size() >= j) entries.add(0, entryDim);
        }
        ctx.setDims(n.output(0), out);
        if (ctx.isConstant(n.input(1))) ctx.rewrite(new Rewrite.ShapeInput(n.name(), 1, entries, new boolean[entries.size()], false, ctx.shapeDependencies(n.input(1))));
    }

    /**
     * The file computes the shape from a Shape read of this very dim (torch's expand(b, kv, n_rep, s, d) takes kv
     * and d from x.shape; the standardizer folded them to literals for the analysis only): it follows at run time.
     */
    private static boolean readAtRunTime(Dim d, List<Dim> deps) {
        for (Dim x : deps) if (DimSpace.same(x, d)) return true;
        return false;
    }
}
