package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/** Transpose: dims move with the permutation. */
public final class TransposeRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        long[] perm = n.attrInts("perm");
        Dim[] out = new Dim[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[perm == null ? x.length - 1 - i : (int) perm[i]];
        ctx.setDims(n.output(0), out);
    }
}
