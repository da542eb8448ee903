package dev.lopper.analysis.rules;

import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/**
 * QLinearMatMul (a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp): a {@link MatMulRule} on (a, b); a per-column
 * b_scale / b_zp follows b's output features. The int8 weight is sliced as it is.
 */
public final class QLinearMatMulRule implements OpRule {
    private static final MatMulRule MATMUL = new MatMulRule();

    @Override
    public void apply(Node n, AnalysisContext ctx) {
        if (n.inputs().size() < 8) throw new RuleFailure("QLinearMatMul with " + n.inputs().size() + " inputs at node '" + n.name() + "'");
        MATMUL.apply(n.withInputs(List.of(n.input(0), n.input(3))), ctx);
        Dim[] b = ctx.require(n, 3);
        QuantizeLinearRule.perAxis(n, 4, b, b.length - 1, ctx);
        QuantizeLinearRule.perAxis(n, 5, b, b.length - 1, ctx);
        for (int i : new int[] {1, 2, 6, 7}) QLinearConvRule.perTensor(n, i, ctx);
    }
}
