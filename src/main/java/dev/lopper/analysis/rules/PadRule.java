package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/** Pad: unpadded axes pass through; a padded axis gets a new size and the input's axis is locked. */
public final class PadRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        long[] pads = RuleSupport.intsFromAttrOrInput(n, ctx, "pads", 1);
        if (pads == null) throw new RuleFailure("Pad without pads at node '" + n.name() + "'");
        long[] axes = null;
        if (!n.input(3).isEmpty()) {
            axes = ctx.longs(n.input(3));
            if (axes == null) throw new RuleFailure("Pad axes are computed at run time at node '" + n.name() + "'");
        }
        int count = pads.length / 2;
        Dim[] out = x.clone();
        for (int j = 0; j < count; j++) {
            int i = axes == null ? j : RuleSupport.axis(axes[j], x.length, n);
            long b = pads[j], e = pads[j + count];
            if (b == 0 && e == 0) continue;
            ctx.lock(x[i], "Pad changes the size of axis " + i + " at node '" + n.name() + "'");
            long s = x[i].size();
            out[i] = ctx.fresh(s < 0 ? -1 : s + b + e);
        }
        ctx.setDims(n.output(0), out);
    }
}
