package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.graph.Node;

/** InstanceNormalization: per-channel statistics over the spatial axes; scale and bias follow the channels. */
public final class InstanceNormalizationRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        if (x.length < 3) throw new RuleFailure("InstanceNormalization input of rank " + x.length + " at node '" + n.name() + "'");
        for (int i = 1; i <= 2; i++) {
            Dim[] p = ctx.require(n, i);
            ctx.unify(p[0], x[1], n.name());
            ctx.role(n.input(i), 0, i == 1 ? Role.NORM_SCALE : Role.NORM_BIAS, n);
        }
        for (int i = 2; i < x.length; i++) ctx.mixes(x[i], n);
        ctx.setDims(n.output(0), x.clone());
    }
}
