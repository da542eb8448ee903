package dev.lopper.analysis.rules;

import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/**
 * MatMulInteger (A, B, a_zero_point, b_zero_point), as ONNX Runtime's dynamic quantizer writes after
 * DynamicQuantizeLinear: a {@link MatMulRule} on (A, B) with int32 output; a per-column b_zero_point follows B's
 * output features, a per-row a_zero_point A's rows. The int8 weight is sliced as it is.
 */
public final class MatMulIntegerRule implements OpRule {
    private static final MatMulRule MATMUL = new MatMulRule();

    @Override
    public void apply(Node n, AnalysisContext ctx) {
        MATMUL.apply(n.withInputs(List.of(n.input(0), n.input(1))), ctx);
        Dim[] a = ctx.require(n, 0);
        Dim[] b = ctx.require(n, 1);
        if (n.inputs().size() > 2 && a.length >= 2) QuantizeLinearRule.perAxis(n, 2, a, a.length - 2, ctx);
        if (n.inputs().size() > 3 && b.length >= 2) QuantizeLinearRule.perAxis(n, 3, b, b.length - 1, ctx);
    }
}
