package dev.lopper.analysis.rules;

import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.graph.Node;

/** Gemm: a constant B starts a group at its output features (mind transB) and ends the input's. */
public final class GemmRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] a = ctx.require(n, 0);
        Dim[] b = ctx.require(n, 1);
        if (a.length != 2 || b.length != 2) throw new RuleFailure("Gemm operands must be 2-D at node '" + n.name() + "'");
        boolean ta = n.attrInt("transA", 0) != 0, tb = n.attrInt("transB", 0) != 0;
        Dim m = ta ? a[1] : a[0], ka = ta ? a[0] : a[1];
        Dim kb = tb ? b[1] : b[0], nn = tb ? b[0] : b[1];
        if (ctx.isWeight(n.input(1))) {
            ctx.channel(nn, n.name() + "/out");
            ctx.role(n.input(1), tb ? 0 : 1, Role.PRODUCER_WEIGHT, n);
            ctx.role(n.input(1), tb ? 1 : 0, Role.CONSUMER_WEIGHT, n);
        }
        if (ctx.isWeight(n.input(0))) {
            ctx.channel(m, n.name() + "/rows");
            ctx.role(n.input(0), ta ? 1 : 0, Role.PRODUCER_WEIGHT, n);
            ctx.role(n.input(0), ta ? 0 : 1, Role.CONSUMER_WEIGHT, n);
        }
        ctx.unify(ka, kb, n.name());
        Dim[] out = {m, nn};
        if (!n.input(2).isEmpty()) {
            Dim[] c = ctx.require(n, 2);
            out = RuleSupport.broadcast(List.of(out, c), ctx, n);
            if (c.length >= 1 && c[c.length - 1].size() != 1) ctx.role(n.input(2), c.length - 1, Role.PRODUCER_BIAS, n);
            if (c.length == 2 && c[0].size() != 1) ctx.role(n.input(2), 0, Role.PER_CHANNEL, n);
        }
        ctx.setDims(n.output(0), out);
    }
}
