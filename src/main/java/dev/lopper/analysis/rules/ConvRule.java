package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.analysis.Rewrite;
import dev.lopper.graph.Node;

/**
 * Conv: starts a group at its output channels (W axis 0) and ends the input's at W axis 1.
 * Grouped conv (group g): input channels = (g groups) × (C_in/g per group), output = g × (C_out/g);
 * the group factor is shared, so whole groups or the same position in every group can go, and
 * {@code group} is rewritten. Depthwise conv (C_in = g) passes its channels through.
 */
public final class ConvRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        Dim[] w = ctx.require(n, 1);
        if (x.length < 3 || w.length != x.length) throw new RuleFailure("bad Conv ranks at node '" + n.name() + "'");
        long g = n.attrInt("group", 1);
        ctx.channel(w[0], n.name() + "/out");
        if (g == 1) {
            ctx.unify(x[1], w[1], n.name());
        } else {
            long cin = x[1].size() >= 0 ? x[1].size() : w[1].size() * g;
            long cout = w[0].size();
            if (cin % g != 0 || cout % g != 0) throw new RuleFailure("group " + g + " does not divide channels at node '" + n.name() + "'");
            List<Dim> in = ctx.factorChannels(x[1], new long[] {g, cin / g}, new String[] {"groups", "per-group"}, n);
            ctx.unify(in.get(1), w[1], n.name());
            List<Dim> out = ctx.factorChannels(w[0], new long[] {g, cout / g}, new String[] {"groups", "per-group-out"}, n);
            ctx.unify(in.get(0), out.get(0), n.name());
            ctx.rewrite(new Rewrite.IntAttribute(n.name(), "group", in.get(0)));
        }
        ctx.role(n.input(1), 0, Role.PRODUCER_WEIGHT, n);
        ctx.role(n.input(1), 1, Role.CONSUMER_WEIGHT, n);
        if (!n.input(2).isEmpty()) {
            Dim[] b = ctx.require(n, 2);
            ctx.unify(b[0], w[0], n.name());
            ctx.role(n.input(2), 0, Role.PRODUCER_BIAS, n);
        }
        long[] kernel = new long[x.length - 2];
        for (int i = 0; i < kernel.length; i++) kernel[i] = w[i + 2].size();
        Dim[] sp = RuleSupport.windowDims(n, ctx, x, kernel, false);
        Dim[] out = new Dim[x.length];
        out[0] = x[0];
        out[1] = w[0];
        System.arraycopy(sp, 0, out, 2, sp.length);
        ctx.setDims(n.output(0), out);
    }
}
