package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/** Unsqueeze: inserts size-1 axes. */
public final class UnsqueezeRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        long[] axes = RuleSupport.intsFromAttrOrInput(n, ctx, "axes", 1);
        if (axes == null) throw new RuleFailure("Unsqueeze without axes at node '" + n.name() + "'");
        int rank = x.length + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long a : axes) inserted[RuleSupport.axis(a, rank, n)] = true;
        Dim[] out = new Dim[rank];
        for (int i = 0, k = 0; i < rank; i++) out[i] = inserted[i] ? ctx.fresh(1) : x[k++];
        ctx.setDims(n.output(0), out);
        var sv = ctx.shapeValue(n.input(0));
        if (sv != null) ctx.setShapeValue(n.output(0), sv);
        ctx.setProvenance(n.output(0), ctx.provenance(n.input(0)));
    }
}
