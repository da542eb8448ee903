package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.Rewrite;
import dev.lopper.graph.Node;

/**
 * Slice: a full slice passes through; a constant contiguous slice splits the input's axis into
 * (before, kept, after) and its starts/ends are rewritten; computed bounds lock the input's axis.
 * Slices of shape values are followed symbolically.
 */
public final class SliceRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        boolean attrs = ctx.opset() < 10;
        long[] starts = attrs ? n.attrInts("starts") : ctx.longs(n.input(1));
        List<Object> endsValue = attrs ? null : ctx.shapeValue(n.input(2));
        long[] ends = attrs ? n.attrInts("ends") : ctx.longs(n.input(2));
        long[] axes = attrs ? n.attrInts("axes") : (n.input(3).isEmpty() ? null : ctx.longs(n.input(3)));
        long[] steps = attrs || n.input(4).isEmpty() ? null : ctx.longs(n.input(4));
        if (!attrs && !n.input(3).isEmpty() && axes == null) throw new RuleFailure("Slice axes are computed at node '" + n.name() + "'");
        if (!attrs && !n.input(4).isEmpty() && steps == null) throw new RuleFailure("Slice steps are computed at node '" + n.name() + "'");
        int count = starts != null ? starts.length : endsValue != null ? endsValue.size() : -1;
        if (count < 0) throw new RuleFailure("Slice bounds are computed at node '" + n.name() + "'");
        Dim[] out = x.clone();
        List<Dim> deps = new ArrayList<>();
        if (!attrs) for (int k = 1; k <= 4; k++) deps.addAll(ctx.shapeDependencies(n.input(k)));
        for (int j = 0; j < count; j++) {
            int i = axes == null ? j : RuleSupport.axis(axes[j], x.length, n);
            long step = steps == null ? 1 : steps[j];
            long size = x[i].size();
            if (starts == null || ends == null || size < 0) {
                // computed bounds: only a prefix up to a dim read by Shape is followed (e.g. positions[:seq])
                Object e = endsValue == null ? null : endsValue.get(j);
                if (starts != null && starts[j] == 0 && step == 1 && e instanceof Dim d) {
                    ctx.lock(x[i], "Slice with computed bounds on axis " + i + " at node '" + n.name() + "'");
                    out[i] = d;
                    continue;
                }
                ctx.lock(x[i], "Slice with computed bounds on axis " + i + " at node '" + n.name() + "'");
                out[i] = ctx.fresh(-1);
                continue;
            }
            long s = clamp(starts[j], size), e = clamp(ends[j], size);
            if (step != 1) {
                ctx.lock(x[i], "strided Slice on axis " + i + " at node '" + n.name() + "'");
                long len = step > 0 ? Math.max(0, (e - s + step - 1) / step) : Math.max(0, (s - e - step - 1) / -step);
                out[i] = ctx.fresh(len);
                continue;
            }
            if (s == 0 && e >= size) continue;
            long len = Math.max(0, e - s);
            String base = n.name() + "/slice";
            Dim before = ctx.space().fresh(s, base + ".before");
            Dim kept = ctx.space().fresh(len, base);
            Dim after = ctx.space().fresh(size - s - len, base + ".after");
            List<Dim> parts = new ArrayList<>();
            if (s > 0) parts.add(before);
            parts.add(kept);
            if (size - s - len > 0) parts.add(after);
            ctx.unify(x[i], ctx.sum(parts), n.name());
            out[i] = kept;
            ctx.rewrite(new Rewrite.SliceBounds(n.name(), j, before, kept, starts.clone(), ends.clone(), ctx.opset(), deps));
        }
        ctx.setDims(n.output(0), out);
        List<Object> sv = ctx.shapeValue(n.input(0));
        if (sv != null && x.length == 1 && starts != null && ends != null && (steps == null || steps[0] == 1)) {
            int s = (int) clamp(starts[0], sv.size()), e = (int) clamp(ends[0], sv.size());
            ctx.setShapeValue(n.output(0), new ArrayList<>(sv.subList(s, Math.max(s, e))));
        }
    }

    static long clamp(long v, long size) {
        if (v < 0) v += size;
        return Math.max(0, Math.min(v, size));
    }
}
