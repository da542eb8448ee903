package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.graph.Node;

/**
 * QuantizeLinear / DequantizeLinear: elementwise, the output has the input's dims. A per-axis scale and zero point
 * (1-D, one entry per position of {@code axis}) follow that axis' channels and are sliced with them; per-tensor ones
 * are untouched. A DequantizeLinear'd int8 weight is a weight: the op reading it slices the int8 tensor itself,
 * so a pruned quantized model stays quantized. Blocked quantization (block_size) is refused.
 */
public final class QuantizeLinearRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        if (n.attrInt("block_size", 0) != 0) throw new RuleFailure(n.opType() + " with block_size at node '" + n.name() + "'");
        int axis = x.length == 0 ? 0 : RuleSupport.axis(n.attrInt("axis", 1), x.length, n);
        for (int i = 1; i <= 2 && i < n.inputs().size(); i++) perAxis(n, i, x, axis, ctx);
        ctx.setDims(n.output(0), x.clone());
    }

    /** A 1-D scale or zero point of more than one entry follows the channels of {@code axis} of {@code x}. */
    static void perAxis(Node n, int input, Dim[] x, int axis, AnalysisContext ctx) {
        if (n.input(input).isEmpty()) return;
        Dim[] s = ctx.require(n, input);
        if (s.length == 0 || (s.length == 1 && s[0].size() == 1)) return;
        if (s.length != 1 || axis >= x.length) {
            throw new RuleFailure("quantization parameter '" + n.input(input) + "' of rank " + s.length + " at node '" + n.name() + "'");
        }
        ctx.unify(s[0], x[axis], n.name());
        ctx.role(n.input(input), 0, Role.PER_CHANNEL, n);
    }
}
