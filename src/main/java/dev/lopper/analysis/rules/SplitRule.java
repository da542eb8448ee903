package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.Rewrite;
import dev.lopper.graph.Node;

/** Split: the input's axis is the concatenation of the outputs'; the split sizes are rewritten. */
public final class SplitRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        int axis = RuleSupport.axis(n.attrInt("axis", 0), x.length, n);
        int outs = n.outputs().size();
        long total = x[axis].size();
        long[] split = n.attrInts("split");
        if (split == null && !n.input(1).isEmpty()) {
            split = ctx.longs(n.input(1));
            if (split == null) throw new RuleFailure("Split sizes are computed at run time at node '" + n.name() + "'");
        }
        if (split == null) {
            if (total < 0) throw new RuleFailure("Split of an axis of unknown size at node '" + n.name() + "'");
            split = new long[outs];
            long chunk = (total + outs - 1) / outs;
            for (int i = 0; i < outs; i++) split[i] = Math.max(0, Math.min(chunk, total - chunk * i));
        }
        List<Dim> parts = new ArrayList<>();
        String base = n.name() + "/out";
        for (int i = 0; i < split.length; i++) parts.add(ctx.space().fresh(split[i], base + i));
        ctx.unify(x[axis], ctx.sum(parts), n.name());
        for (int i = 0; i < outs && i < parts.size(); i++) {
            Dim[] o = x.clone();
            o[axis] = parts.get(i);
            ctx.setDims(n.output(i), o);
        }
        ctx.rewrite(new Rewrite.SplitSizes(n.name(), parts, n.inputs().size() > 1 ? ctx.shapeDependencies(n.input(1)) : java.util.List.of()));
    }
}
