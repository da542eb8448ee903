package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.graph.Node;

/** BatchNormalization: passes channels through; scale, bias, mean and variance are sliced with them. */
public final class BatchNormalizationRule implements OpRule {
    private static final Role[] ROLES = {Role.NORM_SCALE, Role.NORM_BIAS, Role.NORM_MEAN, Role.NORM_VAR};

    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        if (x.length < 2) throw new RuleFailure("BatchNormalization input of rank " + x.length + " at node '" + n.name() + "'");
        for (int i = 1; i <= 4; i++) {
            if (n.input(i).isEmpty()) continue;
            Dim[] p = ctx.require(n, i);
            if (p.length != 1) throw new RuleFailure("BatchNormalization parameter is not 1-D at node '" + n.name() + "'");
            ctx.unify(p[0], x[1], n.name());
            ctx.role(n.input(i), 0, ROLES[i - 1], n);
        }
        ctx.setDims(n.output(0), x.clone());
        for (int i = 1; i < n.outputs().size(); i++) ctx.setDims(n.output(i), new Dim[] {x[1]});
    }
}
