package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.analysis.Rewrite;
import dev.lopper.graph.Node;

/** ConvTranspose: W is [C_in, C_out/group, k...]; output channels = group × W axis 1. */
public final class ConvTransposeRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        Dim[] w = ctx.require(n, 1);
        if (x.length < 3 || w.length != x.length) throw new RuleFailure("bad ConvTranspose ranks at node '" + n.name() + "'");
        long g = n.attrInt("group", 1);
        ctx.channel(w[1], n.name() + "/out");
        ctx.unify(x[1], w[0], n.name());
        Dim outChannels;
        if (g == 1) {
            outChannels = w[1];
        } else {
            long cin = w[0].size();
            if (cin % g != 0) throw new RuleFailure("group " + g + " does not divide channels at node '" + n.name() + "'");
            List<Dim> in = ctx.factorChannels(x[1], new long[] {g, cin / g}, new String[] {"groups", "per-group"}, n);
            outChannels = ctx.product(List.of(in.get(0), w[1]));
            ctx.rewrite(new Rewrite.IntAttribute(n.name(), "group", in.get(0)));
        }
        ctx.role(n.input(1), 0, Role.CONSUMER_WEIGHT, n);
        ctx.role(n.input(1), 1, Role.PRODUCER_WEIGHT, n);
        if (!n.input(2).isEmpty()) {
            Dim[] b = ctx.require(n, 2);
            ctx.unify(b[0], outChannels, n.name());
            ctx.role(n.input(2), 0, Role.PRODUCER_BIAS, n);
        }
        int sp = x.length - 2;
        long[] strides = n.attrInts("strides");
        long[] dil = n.attrInts("dilations");
        long[] pads = n.attrInts("pads");
        long[] outPad = n.attrInts("output_padding");
        long[] outShape = n.attrInts("output_shape");
        String autoPad = n.attrString("auto_pad", "NOTSET");
        Dim[] out = new Dim[x.length];
        out[0] = x[0];
        out[1] = outChannels;
        for (int i = 0; i < sp; i++) {
            long in = x[i + 2].size();
            long s = strides == null ? 1 : strides[i];
            long size;
            if (outShape != null) size = outShape[outShape.length - sp + i];
            else if (in < 0) size = -1;
            else if (autoPad.startsWith("SAME")) size = in * s;
            else {
                long d = dil == null ? 1 : dil[i];
                long k = w[i + 2].size();
                long pb = pads == null ? 0 : pads[i], pe = pads == null ? 0 : pads[i + sp];
                long op = outPad == null ? 0 : outPad[i];
                size = (in - 1) * s + (k - 1) * d + 1 - pb - pe + op;
            }
            out[i + 2] = ctx.fresh(size);
        }
        ctx.setDims(n.output(0), out);
    }
}
