package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/** Squeeze: removes size-1 axes. */
public final class SqueezeRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        long[] axes = RuleSupport.intsFromAttrOrInput(n, ctx, "axes", 1);
        boolean[] drop = new boolean[x.length];
        if (axes == null) {
            for (int i = 0; i < x.length; i++) {
                if (x[i].size() < 0) throw new RuleFailure("Squeeze of unknown dims at node '" + n.name() + "'");
                drop[i] = x[i].size() == 1;
            }
        } else {
            for (long a : axes) drop[RuleSupport.axis(a, x.length, n)] = true;
        }
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < x.length; i++) if (!drop[i]) out.add(x[i]);
        ctx.setDims(n.output(0), out.toArray(Dim[]::new));
        var sv = ctx.shapeValue(n.input(0));
        if (sv != null) ctx.setShapeValue(n.output(0), sv);
        ctx.setProvenance(n.output(0), ctx.provenance(n.input(0)));
    }
}
