package dev.lopper.importance;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.Member;

/**
 * Calibration-data criteria over the activations the group's channels occupy (its members' tensors that
 * have {@link ActivationStats}): per activation tensor, channel c scores the mean of a per-position statistic
 * over c's positions; tensors combine by the reduction.
 * <ul>
 *   <li>{@code mean-activation}: mean |x| (Molchanov et al. 2016);</li>
 *   <li>{@code apoz}: 1 − average percentage of zeros (Hu et al. 2016), so rarely-active channels score low.</li>
 * </ul>
 */
public final class ActivationCriterion implements ImportanceCriterion {
    private final String id;
    private final Function<ActivationStats.Channels, double[]> statistic;

    private ActivationCriterion(String id, Function<ActivationStats.Channels, double[]> statistic) {
        this.id = id;
        this.statistic = statistic;
    }

    public static ActivationCriterion meanActivation() {
        return new ActivationCriterion("mean-activation", ActivationStats.Channels::meanAbs);
    }

    public static ActivationCriterion apoz() {
        return new ActivationCriterion("apoz", ch -> {
            double[] z = ch.zeroFraction();
            double[] r = new double[z.length];
            for (int i = 0; i < z.length; i++) r[i] = 1 - z[i];
            return r;
        });
    }

    @Override
    public String id() { return id; }

    @Override
    public boolean needsActivations() { return true; }

    @Override
    public ChannelScores score(CoupledGroup group, ScoringContext ctx) {
        List<double[]> per = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Member m : group.members()) {
            if (!seen.add(m.tensor() + "#" + m.axis())) continue;
            Optional<ActivationStats.Channels> ch = ctx.stats().channels(m.tensor(), m.axis());
            if (ch.isEmpty()) continue;
            double[] pos = statistic.apply(ch.get());
            double[] v = new double[group.channels()];
            for (int c = 0; c < v.length; c++) v[c] = meanAt(pos, m.map().indicesOf(c));
            per.add(v);
        }
        String basis = per.isEmpty() ? id + ": no activation statistics for this group, all channels tie"
                : id + " over " + per.size() + " activation" + (per.size() > 1 ? "s, " + ctx.reduction().id() : "");
        return new ChannelScores(ctx.reduction().reduce(per, group.channels()), basis);
    }

    static double meanAt(double[] values, int[] positions) {
        double acc = 0;
        for (int p : positions) acc += values[p];
        return positions.length == 0 ? 0 : acc / positions.length;
    }
}
