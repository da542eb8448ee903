package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/**
 * Elementwise ops of one tensor (activations, Cast, Identity, Dropout, Clip with scalar bounds):
 * every output has the input's dims. Shape values pass through Identity and Cast.
 */
public final class UnaryRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        for (int i = 1; i < n.inputs().size(); i++) {
            String t = n.input(i);
            if (t.isEmpty()) continue;
            Dim[] d = ctx.dims(t);
            if (n.opType().equals("CastLike")) continue;
            if (d != null) {
                long count = 1;
                for (Dim k : d) count *= Math.max(k.size(), 0);
                if (count != 1 && !n.opType().equals("Dropout")) {
                    throw new RuleFailure("non-scalar input '" + t + "' of " + n.opType() + " at node '" + n.name() + "'");
                }
            }
        }
        for (String o : n.outputs()) if (!o.isEmpty()) ctx.setDims(o, x.clone());
        var sv = ctx.shapeValue(n.input(0));
        if (sv != null && (n.opType().equals("Identity") || n.opType().equals("Cast") || n.opType().equals("CastLike"))) {
            ctx.setShapeValue(n.output(0), sv);
            ctx.setProvenance(n.output(0), ctx.provenance(n.input(0)));
        }
    }
}
