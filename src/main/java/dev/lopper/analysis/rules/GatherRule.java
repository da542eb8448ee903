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
 * Gather: the gathered axis is replaced by the indices' dims and locked (it selects positions); the other
 * axes pass through. An embedding table (constant, axis 0) starts a group at its feature axis.
 * Gathers from shape values are followed symbolically.
 */
public final class GatherRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] data = ctx.require(n, 0);
        Dim[] idx = ctx.require(n, 1);
        int axis = RuleSupport.axis(n.attrInt("axis", 0), data.length, n);
        List<Object> sv = ctx.shapeValue(n.input(0));
        long[] indices = ctx.longs(n.input(1));
        if (sv != null && indices != null && data.length == 1) {
            List<Object> r = new ArrayList<>();
            for (long i : indices) {
                int k = (int) (i < 0 ? i + sv.size() : i);
                if (k < 0 || k >= sv.size()) throw new RuleFailure("Gather index out of range at node '" + n.name() + "'");
                r.add(sv.get(k));
            }
            ctx.setShapeValue(n.output(0), r);
        }
        boolean embedding = ctx.isConstant(n.input(0)) && ctx.isFloating(n.input(0)) && axis == 0 && data.length == 2;
        if (embedding) {
            ctx.channel(data[1], n.name() + "/out");
            ctx.role(n.input(0), 1, Role.PRODUCER_WEIGHT, n);
        }
        ctx.lock(data[axis], "Gather selects positions along axis " + axis + " at node '" + n.name() + "'");
        List<Dim> out = new ArrayList<>(Arrays.asList(data).subList(0, axis));
        out.addAll(Arrays.asList(idx));
        out.addAll(Arrays.asList(data).subList(axis + 1, data.length));
        ctx.setDims(n.output(0), out.toArray(Dim[]::new));
    }
}
