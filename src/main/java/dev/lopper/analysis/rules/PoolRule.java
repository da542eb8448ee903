package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/** MaxPool/AveragePool/LpPool: channels pass through, spatial axes shrink. MaxPool's indices lock (they encode channels). */
public final class PoolRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        if (x.length < 3) throw new RuleFailure("pool input of rank " + x.length + " at node '" + n.name() + "'");
        long[] k = n.attrInts("kernel_shape");
        if (k == null) throw new RuleFailure("pool without kernel_shape at node '" + n.name() + "'");
        Dim[] sp = RuleSupport.windowDims(n, ctx, x, k, n.attrInt("ceil_mode", 0) != 0);
        Dim[] out = new Dim[x.length];
        out[0] = x[0];
        out[1] = x[1];
        System.arraycopy(sp, 0, out, 2, sp.length);
        ctx.setDims(n.output(0), out);
        if (!n.output(1).isEmpty() && !ctx.graph().consumers(n.output(1)).isEmpty()
                || ctx.graph().isGraphOutput(n.output(1))) {
            throw new RuleFailure("MaxPool indices (which encode channel positions) are used at node '" + n.name() + "'");
        }
    }
}
