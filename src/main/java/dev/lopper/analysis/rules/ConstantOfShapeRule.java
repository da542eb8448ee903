package dev.lopper.analysis.rules;

import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.Rewrite;
import dev.lopper.graph.Node;

/** ConstantOfShape: the output's dims are the shape value's entries. */
public final class ConstantOfShapeRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        List<Object> sv = ctx.shapeValue(n.input(0));
        if (sv == null) throw new RuleFailure("ConstantOfShape of a computed shape at node '" + n.name() + "'");
        Dim[] out = new Dim[sv.size()];
        for (int i = 0; i < out.length; i++) {
            Object e = sv.get(i);
            out[i] = e instanceof Dim d ? d : ctx.fresh(e instanceof Long v ? v : -1);
        }
        ctx.setDims(n.output(0), out);
        // its size literals change with the channels they turn out to be (zero initial states of a recurrent op)
        if (ctx.isConstant(n.input(0)) && ctx.shapeDependencies(n.input(0)).isEmpty()) {
            ctx.rewrite(new Rewrite.ShapeInput(n.name(), 0, List.of(out), new boolean[out.length], false, List.of()));
            return;
        }
        AnalysisContext.Provenance[] prov = ctx.provenance(n.input(0));
        for (int i = 0; i < out.length; i++) {
            if (!(sv.get(i) instanceof Long)) continue;
            if (prov != null && i < prov.length && prov[i] != null) {
                ctx.rewrite(new Rewrite.ConstantPatch(prov[i].node(), prov[i].input(), prov[i].constant(), prov[i].element(), out[i]));
            } else {
                ctx.lock(out[i], "ConstantOfShape size " + sv.get(i) + " is computed at node '" + n.name() + "'");
            }
        }
    }
}
