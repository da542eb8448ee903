package dev.lopper.importance;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.Member;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.analysis.ParamSlice.Role;

/**
 * Wanda-style structured score (Sun et al. 2023): |W|·‖X‖. For each consumer weight slice (the columns that read
 * the channel) whose node's input activation has statistics, channel c scores
 * (Σ|w| over c's columns) × (mean ‖X_p‖₂ over c's activation positions). Slices combine by the reduction.
 * <p>
 * {@link #stade()} (STADE, "standard deviation"): the same with the centred norm ‖X_p − μ_p‖₂ = √N·σ_p instead of
 * ‖X_p‖₂ = √N·√(σ_p² + μ_p²): a channel's constant part can be folded into the next layer's bias, so only its spread
 * is lost when it goes. Wanda is the zero-mean special case: wanda² − stade² = (Σ|w|)²·N·μ² per consumer.
 */
public final class WandaCriterion implements ImportanceCriterion {
    private final String id;
    private final boolean centred;

    /** Wanda. */
    public WandaCriterion() { this("wanda", false); }

    private WandaCriterion(String id, boolean centred) {
        this.id = id;
        this.centred = centred;
    }

    public static WandaCriterion wanda() { return new WandaCriterion(); }

    public static WandaCriterion stade() { return new WandaCriterion("stade", true); }

    @Override
    public String id() { return id; }

    /** Per position: ‖X_p‖₂ (Wanda) or ‖X_p − μ_p‖₂ = ‖X_p‖₂·σ_p/√(σ_p² + μ_p²) (STADE). */
    private double[] norms(ActivationStats.Channels ch) {
        if (!centred) return ch.l2();
        double[] l2 = ch.l2(), mu = ch.mean(), sd = ch.std();
        double[] out = new double[l2.length];
        for (int p = 0; p < l2.length; p++) {
            double rms = Math.sqrt(sd[p] * sd[p] + mu[p] * mu[p]);
            out[p] = rms == 0 ? 0 : l2[p] * sd[p] / rms;
        }
        return out;
    }

    @Override
    public boolean needsActivations() { return true; }

    @Override
    public ChannelScores score(CoupledGroup group, ScoringContext ctx) {
        List<double[]> per = new ArrayList<>();
        for (ParamSlice s : SliceMath.slices(group, EnumSet.of(Role.CONSUMER_WEIGHT))) {
            for (Member m : group.members()) {
                boolean feeds = m.node().equals(s.node()) || ctx.nodeInputs().apply(s.node()).contains(m.tensor());
                if (!feeds || m.tensor().equals(s.tensor())) continue;
                Optional<ActivationStats.Channels> ch = ctx.stats().channels(m.tensor(), m.axis());
                if (ch.isEmpty()) continue;
                double[] w = SliceMath.channelSums(group, s, ctx.weights(), SliceMath.Measure.ABS);
                double[] l2 = norms(ch.get());
                for (int c = 0; c < w.length; c++) w[c] *= ActivationCriterion.meanAt(l2, m.map().indicesOf(c));
                per.add(w);
                break;
            }
        }
        String basis = per.isEmpty() ? id + ": no consumer weight with activation statistics, all channels tie"
                : id + " over " + per.size() + " consumer" + (per.size() > 1 ? "s, " + ctx.reduction().id() : "");
        return new ChannelScores(ctx.reduction().reduce(per, group.channels()), basis);
    }
}
