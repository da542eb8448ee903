package dev.lopper.prune.obspa;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.ImportanceCriterion;
import dev.lopper.importance.ScoringContext;
import dev.lopper.importance.SliceMath;

/**
 * OBSPA: structured Optimal Brain Surgeon on the layers that consume a group's channels. For every consumer
 * weight slice of the group, the layer's columns of root channel c (all positions c maps to, all kernel taps)
 * form a block Q; removing it with least-squares compensation costs ΔE_c = Σ_rows w_Q (H⁻¹_QQ)⁻¹ w_Qᵀ (see
 * {@link ObsLayer}). Each consumer's rows are first divided by √(R·Var[y_r]) ({@link ObspaLayers#build(ConsumerLayer,
 * ObspaSource, dev.lopper.importance.Weights, boolean)}), so ΔE is the mean over the consumer's R output channels of
 * the error relative to that channel's variance (the error a following normalization sees): comparable across
 * layers of any width or scale, so a global ranking keeps more of a narrow critical layer. Channels are removed
 * greedily — at each step the channel whose ΔE summed over the group's consumers is smallest, with every
 * consumer's H⁻¹ and weights updated — in blocks of ⌈C/64⌉ channels, down to the last channel. A channel's score
 * is the marginal ΔE its removal added at its turn (made strictly increasing in removal order, so the planner
 * removes the greedy prefix): ranking these across groups (global allocation, normalization none, the default for
 * obspa) removes, channel after channel, the one that adds the least predicted relative error anywhere.
 *
 * <p>The moments H come from the scoring context's {@link ObspaSource} (data-free or calibration). Without one,
 * or for a group none of whose consumers OBSPA can read, H is the identity: the score is Σ w² over the consumer
 * columns (squared magnitude) and there is nothing to compensate; the basis says so.
 */
public final class ObspaCriterion implements ImportanceCriterion {
    /** Greedy steps at most per group (channels are removed in blocks beyond that). */
    public static final int MAX_GREEDY_STEPS = 64;

    @Override
    public String id() { return "obspa"; }

    /** Scores are relative output errors, already comparable across groups. */
    @Override
    public dev.lopper.importance.Normalization defaultNormalization() { return dev.lopper.importance.Normalization.NONE; }

    @Override
    public ChannelScores score(CoupledGroup group, ScoringContext ctx) {
        int n = group.channels();
        List<ParamSlice> consumerSlices = SliceMath.slices(group, EnumSet.of(Role.CONSUMER_WEIGHT));
        if (!(ctx.stats() instanceof ObspaSource source)) {
            return fallback(group, ctx, consumerSlices, "obspa without input moments: identity H (squared magnitude, no compensation)");
        }
        List<ObspaLayers.Built> layers = new ArrayList<>();
        List<int[][]> columns = new ArrayList<>();
        int derived = 0;
        for (ParamSlice s : consumerSlices) {
            Optional<ConsumerLayer> cl = source.consumer(s);
            if (cl.isEmpty()) continue;
            ObspaLayers.Built b = ObspaLayers.build(cl.get(), source, ctx.weights(), true);
            int[][] cols = new int[n][];
            for (int c = 0; c < n; c++) cols[c] = cl.get().columns(s.map().indicesOf(c));
            layers.add(b);
            columns.add(cols);
            if (b.derived()) derived++;
        }
        if (layers.isEmpty()) {
            return fallback(group, ctx, consumerSlices, "obspa: no consumer layer it can read, identity H (squared magnitude)");
        }
        double[] score = new double[n];
        boolean[] gone = new boolean[n];
        int block = Math.max(1, (n + MAX_GREEDY_STEPS - 1) / MAX_GREEDY_STEPS);
        double cumulative = 0, prevInc = 0;
        int left = n;
        double[] d = new double[n];
        while (left > 0) {
            Integer[] order = new Integer[left];
            int k = 0;
            for (int c = 0; c < n; c++) if (!gone[c]) order[k++] = c;
            // the costs of the remaining channels are independent reads of the solvers: split over cores on wide groups
            java.util.function.IntConsumer cost = i -> {
                int c = order[i];
                double t = 0;
                for (int l = 0; l < layers.size(); l++) t += layers.get(l).solver().deltaE(columns.get(l)[c]);
                d[c] = t;
            };
            if (left >= 256) java.util.stream.IntStream.range(0, left).parallel().forEach(cost);
            else for (int i = 0; i < left; i++) cost.accept(i);
            Arrays.sort(order, (a, b) -> d[a] != d[b] ? Double.compare(d[a], d[b]) : Integer.compare(b, a));
            int take = Math.min(block, left);
            for (int i = 0; i < take; i++) {
                int c = order[i];
                // the actual cost given the channels of this block already removed
                double t = 0;
                for (int l = 0; l < layers.size(); l++) {
                    ObsSolver s = layers.get(l).solver();
                    if (i > 0) t += s.deltaE(columns.get(l)[c]);
                    s.remove(columns.get(l)[c]);
                }
                double inc = i == 0 ? d[c] : t;
                cumulative += inc;
                // the marginal cost, made strictly increasing in removal order so the planner removes the greedy prefix
                prevInc = Math.max(inc, prevInc * (1 + 1e-9) + Double.MIN_NORMAL);
                score[c] = prevInc;
                gone[c] = true;
                left--;
            }
            for (ObspaLayers.Built b : layers) b.solver().flush();
        }
        String basis = "obspa over " + layers.size() + " consumer" + (layers.size() > 1 ? "s" : "")
                + ", " + (derived == layers.size() ? source.describe()
                : derived == 0 ? "identity H (no input moments could be derived)"
                : source.describe() + " for " + derived + ", identity H for " + (layers.size() - derived));
        return new ChannelScores(score, basis);
    }

    private static ChannelScores fallback(CoupledGroup g, ScoringContext ctx, List<ParamSlice> slices, String basis) {
        List<ParamSlice> use = slices.isEmpty() ? SliceMath.slices(g, EnumSet.of(Role.PRODUCER_WEIGHT)) : slices;
        double[] s = new double[g.channels()];
        for (ParamSlice p : use) {
            double[] v = SliceMath.channelSums(g, p, ctx.weights(), SliceMath.Measure.SQUARE);
            for (int c = 0; c < s.length; c++) s[c] += v[c];
        }
        return new ChannelScores(s, basis);
    }
}
