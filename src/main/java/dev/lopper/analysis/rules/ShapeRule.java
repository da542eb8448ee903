package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/** Shape: its value is the input's dims (followed symbolically, so dynamic reshapes keep working). */
public final class ShapeRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        int start = (int) n.attrInt("start", 0), end = (int) n.attrInt("end", x.length);
        if (start < 0) start += x.length;
        if (end < 0) end += x.length;
        start = Math.max(0, Math.min(start, x.length));
        end = Math.max(start, Math.min(end, x.length));
        List<Object> v = new ArrayList<>(Arrays.asList((Object[]) Arrays.copyOfRange(x, start, end)));
        ctx.setShapeValue(n.output(0), v);
        ctx.setDims(n.output(0), new Dim[] {ctx.fresh(end - start)});
    }
}
