package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/** LRN: normalizes across neighbouring channels; shape-preserving, but it mixes channels. */
public final class LrnRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        ctx.mixes(x[1], n);
        ctx.setDims(n.output(0), x.clone());
    }
}
