package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/** Softmax/LogSoftmax/Hardmax: shape-preserving; mixes the values along the normalized axes. */
public final class SoftmaxRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        if (x.length > 0) {
            int axis = RuleSupport.axis(n.attrInt("axis", ctx.opset() >= 13 ? -1 : 1), x.length, n);
            int last = ctx.opset() >= 13 ? axis : x.length - 1;
            for (int i = axis; i <= last; i++) ctx.mixes(x[i], n);
        }
        ctx.setDims(n.output(0), x.clone());
    }
}
