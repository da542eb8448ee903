package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/** Tile: axes repeated once pass through; repeated axes lock the input's axis. */
public final class TileRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        long[] reps = ctx.longs(n.input(1));
        if (reps == null || reps.length != x.length) throw new RuleFailure("Tile repeats are computed at node '" + n.name() + "'");
        Dim[] out = x.clone();
        for (int i = 0; i < x.length; i++) {
            if (reps[i] == 1) continue;
            ctx.lock(x[i], "Tile repeats axis " + i + " at node '" + n.name() + "'");
            out[i] = ctx.fresh(x[i].size() < 0 ? -1 : x[i].size() * reps[i]);
        }
        ctx.setDims(n.output(0), out);
    }
}
