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

    /**
     * Σ_j ‖r_c − r_j‖₂ for every row c, through ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b (dot products with four float
     * accumulators; the result in double, clamped at 0).
     */
    static double[] distanceSums(float[][] rows) {
        int n = rows.length;
        double[] out = new double[n];
        double[] norm = new double[n];
        for (int a = 0; a < n; a++) norm[a] = dot(rows[a], rows[a]);
        for (int a = 0; a < n; a++) {
            float[] ra = rows[a];
            for (int b = a + 1; b < n; b++) {
                double d2 = norm[a] + norm[b] - 2 * dot(ra, rows[b]);
                double dist = Math.sqrt(Math.max(0, d2));
                out[a] += dist;
                out[b] += dist;
            }
        }
        return out;
    }

    static double dot(float[] x, float[] y) {
        int n = x.length, i = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (; i + 3 < n; i += 4) {
            s0 += x[i] * y[i];
            s1 += x[i + 1] * y[i + 1];
            s2 += x[i + 2] * y[i + 2];
            s3 += x[i + 3] * y[i + 3];
        }
        double s = (double) s0 + s1 + s2 + s3;
        for (; i < n; i++) s += x[i] * y[i];
        return s;
    }
}
