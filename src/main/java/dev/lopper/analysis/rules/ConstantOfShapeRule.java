package dev.lopper.analysis.rules;

import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/** ConstantOfShape: the output's dims are the shape value's entries. */
public final class ConstantOfShapeRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        List<Object> sv = ctx.shapeValue(n.input(0));
        if (sv == null) throw new RuleFailure("ConstantOfShape of a computed shape at node '" + n.name() + "'");
        Dim[] out = new Dim[sv.size()];
        for (int i = 0; i < out.length; i++) {
            Object e = sv.get(i);
            out[i] = e instanceof Dim d ? d : ctx.fresh(e instanceof Long v ? v : -1);
        }
        ctx.setDims(n.output(0), out);
    }
}
