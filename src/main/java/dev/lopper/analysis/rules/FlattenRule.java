package dev.lopper.analysis.rules;

import java.util.Arrays;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/** Flatten: [d0..d(a-1)] and [da..] become two axes, each the row-major product of its dims (C×H×W → F). */
public final class FlattenRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        int axis = (int) n.attrInt("axis", 1);
        if (axis < 0) axis += x.length;
        Dim left = axis == 0 ? ctx.fresh(1) : ctx.product(Arrays.asList(Arrays.copyOfRange(x, 0, axis)));
        Dim right = axis == x.length ? ctx.fresh(1) : ctx.product(Arrays.asList(Arrays.copyOfRange(x, axis, x.length)));
        ctx.setDims(n.output(0), new Dim[] {left, right});
    }
}
