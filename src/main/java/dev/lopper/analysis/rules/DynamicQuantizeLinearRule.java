package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/**
 * DynamicQuantizeLinear: y has x's dims; the scale and zero point are scalars computed from x's range. The range
 * always includes 0, so a removed channel and a zeroed one give the same scale.
 */
public final class DynamicQuantizeLinearRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        ctx.setDims(n.output(0), x.clone());
        for (int k = 1; k < n.outputs().size(); k++) ctx.setDims(n.output(k), new Dim[0]);
    }
}
