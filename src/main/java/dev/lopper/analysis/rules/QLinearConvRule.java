package dev.lopper.analysis.rules;

import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;

/**
 * QLinearConv (x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B): a {@link ConvRule} on (x, w, B) with the
 * int8 weight and int32 bias sliced as they are (never dequantized); a per-output-channel w_scale / w_zp follows
 * the output channels. Activation scales are per tensor.
 */
public final class QLinearConvRule implements OpRule {
    private static final ConvRule CONV = new ConvRule();

    @Override
    public void apply(Node n, AnalysisContext ctx) {
        if (n.inputs().size() < 8) throw new RuleFailure("QLinearConv with " + n.inputs().size() + " inputs at node '" + n.name() + "'");
        String bias = n.inputs().size() > 8 ? n.input(8) : "";
        CONV.apply(n.withInputs(List.of(n.input(0), n.input(3), bias)), ctx);
        Dim[] w = ctx.require(n, 3);
        QuantizeLinearRule.perAxis(n, 4, w, 0, ctx);
        QuantizeLinearRule.perAxis(n, 5, w, 0, ctx);
        for (int i : new int[] {1, 2, 6, 7}) perTensor(n, i, ctx);
    }

    static void perTensor(Node n, int input, AnalysisContext ctx) {
        Dim[] s = ctx.dims(n.input(input));
        if (s != null && (s.length > 1 || (s.length == 1 && s[0].size() != 1))) {
            throw new RuleFailure("per-axis activation quantization '" + n.input(input) + "' at node '" + n.name() + "'");
        }
    }
}
