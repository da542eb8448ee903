package dev.lopper.importance;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.analysis.ParamSlice.Role;

/**
 * FPGM (He et al. 2019, filter pruning via geometric median): channels whose weights lie close to the
 * geometric median of the layer are the most replaceable. Channel c scores Σ_j ‖w_c − w_j‖₂ over every channel
 * j of the group, w_c being everything c owns in a slice. Slices used: the producers' weight rows
 * ({@link Role#PRODUCER_WEIGHT}); a group without a producer weight uses the consumers' weight columns, and
 * one with neither every weight-like slice. Cost: O(C² · |w_c|) per slice.
 */
public final class FpgmCriterion implements ImportanceCriterion {
    @Override
    public String id() { return "fpgm"; }

    @Override
    public ChannelScores score(CoupledGroup group, ScoringContext ctx) {
        List<ParamSlice> slices = SliceMath.slices(group, EnumSet.of(Role.PRODUCER_WEIGHT));
        String what = "producer weights";
        if (slices.isEmpty()) {
            slices = SliceMath.slices(group, EnumSet.of(Role.CONSUMER_WEIGHT));
            what = "consumer weights";
        }
        if (slices.isEmpty()) {
            slices = SliceMath.slices(group, MagnitudeCriterion.WEIGHT_ROLES);
            what = "weight slices";
        }
        List<double[]> per = new ArrayList<>();
        for (ParamSlice s : slices) per.add(distanceSums(SliceMath.channelVectors(group, s, ctx.weights())));
        String basis = slices.isEmpty() ? "fpgm: no weight slices, all channels tie"
                : "fpgm over " + slices.size() + " " + what + (slices.size() > 1 ? ", " + ctx.reduction().id() : "");
        return new ChannelScores(ctx.reduction().reduce(per, group.channels()), basis);
    }

    /** Σ_j ‖r_c − r_j‖₂ for every row c. */
    static double[] distanceSums(float[][] rows) {
        int n = rows.length;
        double[] out = new double[n];
        for (int a = 0; a < n; a++) {
            float[] ra = rows[a];
            for (int b = a + 1; b < n; b++) {
                float[] rb = rows[b];
                double acc = 0;
                for (int i = 0; i < ra.length; i++) {
                    double d = ra[i] - rb[i];
                    acc += d * d;
                }
                double dist = Math.sqrt(acc);
                out[a] += dist;
                out[b] += dist;
            }
        }
        return out;
    }
}
