package dev.lopper.analysis.rules;

import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.analysis.Rewrite;
import dev.lopper.graph.Node;

/**
 * GroupNormalization: channels = num_groups × per-group; whole groups (num_groups is rewritten) or the
 * same position in every group can go. Scale/bias are per group (opset 18) or per channel (21).
 */
public final class GroupNormalizationRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        long g = n.attrInt("num_groups", -1);
        long c = x[1].size();
        if (g < 1 || c < 0 || c % g != 0) throw new RuleFailure("GroupNormalization groups do not divide channels at node '" + n.name() + "'");
        List<Dim> f = ctx.factorChannels(x[1], new long[] {g, c / g}, new String[] {"groups", "per-group"}, n);
        for (int i = 1; i <= 2; i++) {
            Dim[] p = ctx.require(n, i);
            ctx.unify(p[0], p[0].size() == g && g != c ? f.get(0) : x[1], n.name());
            ctx.role(n.input(i), 0, i == 1 ? Role.NORM_SCALE : Role.NORM_BIAS, n);
        }
        ctx.mixes(f.get(1), n);
        ctx.rewrite(new Rewrite.IntAttribute(n.name(), "num_groups", f.get(0)));
        ctx.setDims(n.output(0), x.clone());
    }
}
