package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/** Range: a 1-D tensor of data-dependent length. */
public final class RangeRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        ctx.setDims(n.output(0), new Dim[] {ctx.fresh(-1)});
    }
}
