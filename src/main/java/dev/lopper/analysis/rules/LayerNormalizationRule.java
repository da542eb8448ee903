package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.graph.Node;

/**
 * LayerNormalization over axes [axis, rank): scale and bias follow the normalized channels (the
 * transformer residual stream stays prunable); statistics mix those channels. RMSNormalization (a decomposed
 * RMSNorm fused by the standardizer, inputs [x, scale]) is the same without the bias.
 */
public final class LayerNormalizationRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        int axis = RuleSupport.axis(n.attrInt("axis", -1), x.length, n);
        for (int i = 1; i <= 2; i++) {
            if (n.input(i).isEmpty()) continue;
            Dim[] p = ctx.require(n, i);
            for (int k = 1; k <= p.length; k++) {
                if (p[p.length - k].size() == 1 && x[x.length - k].size() != 1) continue;
                ctx.unify(p[p.length - k], x[x.length - k], n.name());
                ctx.role(n.input(i), p.length - k, i == 1 ? Role.NORM_SCALE : Role.NORM_BIAS, n);
            }
        }
        for (int i = axis; i < x.length; i++) ctx.mixes(x[i], n);
        ctx.setDims(n.output(0), x.clone());
        for (int o = 1; o < n.outputs().size(); o++) {
            Dim[] s = x.clone();
            for (int i = axis; i < x.length; i++) s[i] = ctx.fresh(1);
            ctx.setDims(n.output(o), s);
        }
    }
}
