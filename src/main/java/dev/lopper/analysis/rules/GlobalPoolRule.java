package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/** GlobalAveragePool/GlobalMaxPool/GlobalLpPool: channels pass through, spatial axes become 1. */
public final class GlobalPoolRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        Dim[] out = x.clone();
        for (int i = 2; i < x.length; i++) out[i] = ctx.fresh(1);
        ctx.setDims(n.output(0), out);
    }
}
