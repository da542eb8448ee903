package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.Rewrite;
import dev.lopper.graph.Node;

/**
 * Expand: broadcast of the input to a shape value. Axes the shape keeps pass through; a constant shape
 * that names a channel count is rewritten.
 */
public final class ExpandRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        List<Object> sv = ctx.shapeValue(n.input(1));
        if (sv == null) throw new RuleFailure("Expand to a computed shape at node '" + n.name() + "'");
        int rank = Math.max(x.length, sv.size());
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
                if (xd != null && v > 1 && v == xd.size() && !ctx.isConstant(n.input(1))) {
                    ctx.lock(xd, "Expand to a computed shape naming size " + v + " at node '" + n.name() + "'");
                }
                if (xd != null && (v == 1 || v == xd.size())) { o = xd; entryDim = v == 1 ? ctx.fresh(1) : xd; }
                else {
                    if (xd != null && xd.size() != 1) throw new RuleFailure("Expand sizes do not match at node '" + n.name() + "'");
                    o = ctx.fresh(v);
                    entryDim = o;
                }
            }
            out[rank - j] = o;
            if (sv.size() >= j) entries.add(0, entryDim);
        }
        ctx.setDims(n.output(0), out);
        if (ctx.isConstant(n.input(1))) ctx.rewrite(new Rewrite.ShapeInput(n.name(), 1, entries, new boolean[entries.size()], false, ctx.shapeDependencies(n.input(1))));
    }
}
