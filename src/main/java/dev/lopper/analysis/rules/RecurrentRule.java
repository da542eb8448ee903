package dev.lopper.analysis.rules;

import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.analysis.Rewrite;
import dev.lopper.graph.Node;

/**
 * LSTM (4 gates), GRU (3) and RNN (1): the hidden size H is a channel dimension the node creates. Gate blocks are
 * stacked along the weights' row axis, so hidden unit h owns the rows {@code g·H + h} of every gate g:
 * <ul>
 *   <li>W [dirs, G·H, in]: rows = gates × H (producer), columns = the input's features (consumer, like a MatMul);</li>
 *   <li>R [dirs, G·H, H]: rows = gates × H (producer), columns = H (the unit's own recurrence);</li>
 *   <li>B [dirs, 2·G·H] (input and recurrent biases), P [dirs, 3·H] (LSTM peepholes);</li>
 *   <li>initial_h / initial_c, Y_h / Y_c [dirs, batch, H]; Y [seq, dirs, batch, H] (layout 1: batch first).</li>
 * </ul>
 * Both directions of a bidirectional node share one H (hidden_size is one attribute), so they lose the same units.
 * A unit whose producing rows are zero stays exactly 0 from a zero initial state (σ(0)·tanh(0) = 0), so removing
 * it matches zeroing it; a cell/candidate activation that does not map 0 to 0 (Sigmoid) breaks this and is refused. The {@code hidden_size}
 * attribute is rewritten.
 */
public final class RecurrentRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        int gates = switch (n.opType()) {
            case "LSTM" -> 4;
            case "GRU" -> 3;
            default -> 1;
        };
        if (n.hasAttribute("activations")) checkActivations(n, gates);
        if (n.attrInt("input_forget", 0) != 0) throw new RuleFailure("LSTM with input_forget at node '" + n.name() + "'");
        if (!ctx.isWeight(n.input(1)) || !ctx.isWeight(n.input(2))) {
            throw new RuleFailure(n.opType() + " weights are computed at run time at node '" + n.name() + "'");
        }
        boolean batchFirst = n.attrInt("layout", 0) != 0;
        Dim[] x = ctx.require(n, 0);
        Dim[] w = ctx.require(n, 1);
        Dim[] r = ctx.require(n, 2);
        if (x.length != 3 || w.length != 3 || r.length != 3) {
            throw new RuleFailure(n.opType() + " operands must be 3-D at node '" + n.name() + "'");
        }
        long hidden = r[2].size();
        if (hidden < 1 || w[1].size() != gates * hidden) {
            throw new RuleFailure(n.opType() + " weights do not hold " + gates + " gates of " + hidden + " at node '" + n.name() + "'");
        }
        Dim seq = batchFirst ? x[1] : x[0], batch = batchFirst ? x[0] : x[1], in = x[2];
        Dim dirs = w[0];
        Dim h = ctx.channel(r[2], n.name() + "/hidden");
        Dim gate = ctx.fresh(gates);
        ctx.unify(w[1], ctx.product(List.of(gate, h)), n.name());
        ctx.unify(r[1], ctx.product(List.of(gate, h)), n.name());
        ctx.unify(r[0], dirs, n.name());
        ctx.unify(w[2], in, n.name());
        ctx.role(n.input(1), 1, Role.PRODUCER_WEIGHT, n);
        ctx.role(n.input(1), 2, Role.CONSUMER_WEIGHT, n);
        ctx.role(n.input(2), 1, Role.PRODUCER_WEIGHT, n);
        ctx.role(n.input(2), 2, Role.CONSUMER_WEIGHT, n);
        if (!n.input(3).isEmpty()) {
            Dim[] b = ctx.require(n, 3);
            if (b.length != 2) throw new RuleFailure(n.opType() + " bias must be 2-D at node '" + n.name() + "'");
            ctx.unify(b[0], dirs, n.name());
            ctx.unify(b[1], ctx.product(List.of(ctx.fresh(2L * gates), h)), n.name());
            ctx.role(n.input(3), 1, Role.PRODUCER_BIAS, n);
        }
        if (n.inputs().size() > 4 && !n.input(4).isEmpty()) {
            // sequence_lens [batch]
            Dim[] sl = ctx.require(n, 4);
            if (sl.length == 1) ctx.unify(sl[0], batch, n.name());
        }
        int states = n.opType().equals("LSTM") ? 2 : 1;
        for (int k = 0; k < states; k++) {
            int input = 5 + k;
            if (n.inputs().size() <= input || n.input(input).isEmpty()) continue;
            Dim[] s = ctx.require(n, input);
            if (s.length != 3) throw new RuleFailure(n.opType() + " initial state must be 3-D at node '" + n.name() + "'");
            stateDims(s, dirs, batch, h, batchFirst, ctx, n);
            if (ctx.isConstant(n.input(input))) ctx.role(n.input(input), 2, Role.PER_CHANNEL, n);
        }
        if (n.opType().equals("LSTM") && n.inputs().size() > 7 && !n.input(7).isEmpty()) {
            Dim[] p = ctx.require(n, 7);
            if (p.length != 2) throw new RuleFailure("LSTM peepholes must be 2-D at node '" + n.name() + "'");
            ctx.unify(p[0], dirs, n.name());
            ctx.unify(p[1], ctx.product(List.of(ctx.fresh(3), h)), n.name());
            ctx.role(n.input(7), 1, Role.PER_CHANNEL, n);
        }
        // outputs
        ctx.setDims(n.output(0), batchFirst ? new Dim[] {batch, seq, dirs, h} : new Dim[] {seq, dirs, batch, h});
        for (int k = 1; k < n.outputs().size() && k <= states; k++) {
            ctx.setDims(n.output(k), batchFirst ? new Dim[] {batch, dirs, h} : new Dim[] {dirs, batch, h});
        }
        ctx.rewrite(new Rewrite.IntAttribute(n.name(), "hidden_size", h));
    }

    /** Activations f, g, h per direction: the ones producing the unit's value (all but the gates') must map 0 to 0. */
    private static void checkActivations(Node n, int gates) {
        List<String> acts = new java.util.ArrayList<>();
        for (com.google.protobuf.ByteString b : n.attributes().get("activations").getStringsList()) acts.add(b.toStringUtf8());
        int per = gates == 1 ? 1 : gates == 3 ? 2 : 3;
        if (acts.isEmpty() || acts.size() % per != 0) throw new RuleFailure(n.opType() + " activations " + acts + " at node '" + n.name() + "'");
        for (int i = 0; i < acts.size(); i++) {
            if (per > 1 && i % per == 0) continue; // the gate activation (σ): a zero unit stays zero whatever it is
            String a = acts.get(i);
            if (!(a.equals("Tanh") || a.equals("Relu") || a.equals("Softsign"))) {
                throw new RuleFailure(n.opType() + " activation " + a + " does not keep a removed unit at 0 at node '" + n.name() + "'");
            }
        }
    }

    private static void stateDims(Dim[] s, Dim dirs, Dim batch, Dim h, boolean batchFirst, AnalysisContext ctx, Node n) {
        ctx.unify(s[batchFirst ? 1 : 0], dirs, n.name());
        ctx.unify(s[batchFirst ? 0 : 1], batch, n.name());
        ctx.unify(s[2], h, n.name());
    }
}
