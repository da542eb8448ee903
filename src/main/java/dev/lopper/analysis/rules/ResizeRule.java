package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.Rewrite;
import dev.lopper.graph.Node;

/**
 * Resize/Upsample: axes with scale 1 (or unchanged size) pass through; resized axes get new sizes and the
 * input's axis is locked. A constant {@code sizes} input is rewritten when channels go.
 */
public final class ResizeRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        boolean upsample = n.opType().equals("Upsample");
        int scalesInput = upsample || ctx.opset() < 11 ? 1 : 2;
        double[] scales = null;
        if (n.hasAttribute("scales")) {
            var a = n.attributes().get("scales");
            scales = new double[a.getFloatsCount()];
            for (int i = 0; i < scales.length; i++) scales[i] = a.getFloats(i);
        } else if (!n.input(scalesInput).isEmpty()) {
            scales = ctx.doubles(n.input(scalesInput));
            if (scales != null && scales.length == 0) scales = null;
            if (scales == null && !isEmptyConstant(ctx, n.input(scalesInput))) {
                throw new RuleFailure("Resize scales are computed at run time at node '" + n.name() + "'");
            }
        }
        List<Object> sizes = null;
        String sizesName = upsample || ctx.opset() < 11 ? "" : n.input(3);
        if (scales == null && !sizesName.isEmpty()) {
            sizes = ctx.shapeValue(sizesName);
            if (sizes == null) throw new RuleFailure("Resize sizes are computed at run time at node '" + n.name() + "'");
        }
        if (scales == null && sizes == null) throw new RuleFailure("Resize without scales or sizes at node '" + n.name() + "'");
        long[] axes = n.attrInts("axes");
        Dim[] out = x.clone();
        List<Dim> entries = new ArrayList<>();
        int count = scales != null ? scales.length : sizes.size();
        for (int j = 0; j < count; j++) {
            int i = axes == null ? j : RuleSupport.axis(axes[j], x.length, n);
            if (scales != null) {
                if (scales[j] != 1.0) {
                    long s = x[i].size();
                    ctx.lock(x[i], "Resize changes the size of axis " + i + " at node '" + n.name() + "'");
                    out[i] = ctx.fresh(s < 0 ? -1 : (long) Math.floor(s * scales[j]));
                }
            } else {
                Object e = sizes.get(j);
                if (e instanceof Dim d) {
                    ctx.unify(d, x[i], n.name());
                    out[i] = d;
                } else if (e instanceof Long v && v == x[i].size()) {
                    out[i] = x[i];
                } else {
                    ctx.lock(x[i], "Resize changes the size of axis " + i + " at node '" + n.name() + "'");
                    out[i] = ctx.fresh(e instanceof Long v ? v : -1);
                }
            }
            entries.add(out[i]);
        }
        if (sizes != null && ctx.isConstant(sizesName)) {
            ctx.rewrite(new Rewrite.ShapeInput(n.name(), 3, entries, new boolean[entries.size()], false, ctx.shapeDependencies(n.input(3))));
        }
        ctx.setDims(n.output(0), out);
    }

    private static boolean isEmptyConstant(AnalysisContext ctx, String t) {
        var c = ctx.constant(t);
        if (c == null) return false;
        long e = 1;
        for (long d : c.getDimsList()) e *= d;
        return e == 0;
    }
}
