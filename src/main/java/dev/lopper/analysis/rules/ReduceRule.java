package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/**
 * Reduce* and ArgMax/ArgMin: kept axes pass through; reduced axes become 1 (keepdims) or disappear.
 * Reducing over channels mixes them (mean of fewer channels); ArgMax over channels locks them
 * (its values are channel indices).
 */
public final class ReduceRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        boolean arg = n.opType().startsWith("Arg");
        long[] axes;
        if (arg) axes = new long[] {n.attrInt("axis", 0)};
        else axes = RuleSupport.intsFromAttrOrInput(n, ctx, "axes", 1);
        boolean keep = n.attrInt("keepdims", 1) != 0;
        boolean[] reduced = new boolean[x.length];
        if (axes == null || axes.length == 0) {
            if (n.attrInt("noop_with_empty_axes", 0) != 0) {
                ctx.setDims(n.output(0), x.clone());
                return;
            }
            java.util.Arrays.fill(reduced, true);
        } else {
            for (long a : axes) reduced[RuleSupport.axis(a, x.length, n)] = true;
        }
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (!reduced[i]) { out.add(x[i]); continue; }
            if (arg) ctx.lock(x[i], n.opType() + " returns positions along axis " + i + " at node '" + n.name() + "'");
            else ctx.mixes(x[i], n);
            if (keep) out.add(ctx.fresh(1));
        }
        ctx.setDims(n.output(0), out.toArray(Dim[]::new));
    }
}
