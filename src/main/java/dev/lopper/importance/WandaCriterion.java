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
 */
public final class WandaCriterion implements ImportanceCriterion {
    @Override
    public String id() { return "wanda"; }

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
                double[] l2 = ch.get().l2();
                for (int c = 0; c < w.length; c++) w[c] *= ActivationCriterion.meanAt(l2, m.map().indicesOf(c));
                per.add(w);
                break;
            }
        }
        String basis = per.isEmpty() ? "wanda: no consumer weight with activation statistics, all channels tie"
                : "wanda over " + per.size() + " consumer" + (per.size() > 1 ? "s, " + ctx.reduction().id() : "");
        return new ChannelScores(ctx.reduction().reduce(per, group.channels()), basis);
    }
}
