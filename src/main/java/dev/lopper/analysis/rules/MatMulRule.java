package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.graph.Node;

/**
 * MatMul: the contracted axes are coupled, batch axes broadcast. A constant right operand (a Linear
 * layer's weight [in, out]) starts a group at its output features; with two computed operands
 * (attention's QKᵀ and P·V) only the coupling remains.
 */
public final class MatMulRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] a = ctx.require(n, 0);
        Dim[] b = ctx.require(n, 1);
        boolean aVec = a.length == 1, bVec = b.length == 1;
        Dim[] a2 = aVec ? new Dim[] {ctx.fresh(1), a[0]} : a;
        Dim[] b2 = bVec ? new Dim[] {b[0], ctx.fresh(1)} : b;
        Dim k1 = a2[a2.length - 1], k2 = b2[b2.length - 2];
        Dim m = a2[a2.length - 2], nn = b2[b2.length - 1];
        if (ctx.isWeight(n.input(1)) && !bVec) {
            ctx.channel(nn, n.name() + "/out");
            ctx.role(n.input(1), b.length - 1, Role.PRODUCER_WEIGHT, n);
            ctx.role(n.input(1), b.length - 2, Role.CONSUMER_WEIGHT, n);
        }
        if (ctx.isWeight(n.input(0)) && !aVec) {
            ctx.channel(m, n.name() + "/rows");
            ctx.role(n.input(0), a.length - 2, Role.PRODUCER_WEIGHT, n);
            ctx.role(n.input(0), a.length - 1, Role.CONSUMER_WEIGHT, n);
        }
        ctx.unify(k1, k2, n.name());
        Dim[] batch = RuleSupport.broadcast(List.of(Arrays.copyOf(a2, a2.length - 2), Arrays.copyOf(b2, b2.length - 2)), ctx, n);
        List<Dim> out = new ArrayList<>(Arrays.asList(batch));
        if (!aVec) out.add(m);
        if (!bVec) out.add(nn);
        ctx.setDims(n.output(0), out.toArray(Dim[]::new));
    }
}
