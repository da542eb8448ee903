package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.AnalysisContext.ConstantOrigin;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/**
 * Concat: the output's axis is the concatenation of the inputs' (each input's channels at its offset);
 * other axes are coupled. Concatenated shape values are followed symbolically.
 */
public final class ConcatRule implements OpRule {
    private static boolean isFolded(AnalysisContext ctx, String t) {
        return ctx.constantOrigin(t) == ConstantOrigin.FOLDED;
    }

    @Override
    public void apply(Node n, AnalysisContext ctx) {
        List<Dim[]> ins = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) if (!n.input(i).isEmpty()) ins.add(ctx.require(n, i));
        int rank = ins.get(0).length;
        int axis = RuleSupport.axis(n.attrInt("axis", 0), rank, n);
        List<Dim> parts = new ArrayList<>();
        for (Dim[] d : ins) {
            if (d.length != rank) throw new RuleFailure("Concat inputs of different ranks at node '" + n.name() + "'");
            if (d[axis].size() != 0) parts.add(d[axis]);
        }
        Dim[] out = ins.get(0).clone();
        for (int i = 0; i < rank; i++) {
            if (i == axis) continue;
            for (Dim[] d : ins) ctx.unify(out[i], d[i], n.name());
        }
        boolean known = true;
        for (Dim p : parts) known &= p.size() >= 0;
        if (known || parts.size() == 1) {
            out[axis] = parts.isEmpty() ? ctx.fresh(0) : ctx.sum(parts);
        } else {
            for (Dim p : parts) ctx.lock(p, "Concat of axes of unknown size at node '" + n.name() + "'");
            out[axis] = ctx.fresh(-1);
        }
        ctx.setDims(n.output(0), out);
        if (rank == 1) {
            List<Object> sv = new ArrayList<>();
            List<AnalysisContext.Provenance> prov = new ArrayList<>();
            for (int k = 0; k < n.inputs().size(); k++) {
                String t = n.input(k);
                if (t.isEmpty()) continue;
                List<Object> v = ctx.shapeValue(t);
                if (v == null) return;
                sv.addAll(v);
                AnalysisContext.Provenance[] p = ctx.provenance(t);
                boolean stored = ctx.isConstant(t) && ctx.shapeDependencies(t).isEmpty() && !isFolded(ctx, t);
                for (int e = 0; e < v.size(); e++) {
                    if (stored) prov.add(new AnalysisContext.Provenance(n.name(), k, t, e));
                    else prov.add(p != null && e < p.length ? p[e] : null);
                }
            }
            ctx.setShapeValue(n.output(0), sv);
            ctx.setProvenance(n.output(0), prov.toArray(AnalysisContext.Provenance[]::new));
        }
    }
}
