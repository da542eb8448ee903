package dev.lopper.importance;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.analysis.ParamSlice.Role;

/**
 * Magnitude of the weights a channel owns. Per slice of a weight-like role ({@link #WEIGHT_ROLES}: producer
 * rows, consumer columns, normalization scales, other per-channel constants; biases and running statistics
 * are not weights and are skipped), channel c scores
 * <ul>
 *   <li>L1: Σ|w| over everything c owns in the slice;</li>
 *   <li>L2: √(Σw²), the Euclidean norm of what c owns.</li>
 * </ul>
 * The per-slice scores are combined by the context's {@link Reduction}.
 */
public final class MagnitudeCriterion implements ImportanceCriterion {
    /** Roles whose values are weights (read by magnitude, LAMP and the fallback of BN scale). */
    public static final Set<Role> WEIGHT_ROLES =
            EnumSet.of(Role.PRODUCER_WEIGHT, Role.CONSUMER_WEIGHT, Role.NORM_SCALE, Role.PER_CHANNEL);

    private final int p;

    /** @param p 1 for L1, 2 for L2 */
    public MagnitudeCriterion(int p) {
        if (p != 1 && p != 2) throw new IllegalArgumentException("p must be 1 or 2");
        this.p = p;
    }

    @Override
    public String id() { return p == 1 ? "l1" : "l2"; }

    @Override
    public ChannelScores score(CoupledGroup group, ScoringContext ctx) {
        List<ParamSlice> slices = SliceMath.slices(group, WEIGHT_ROLES);
        List<double[]> per = new ArrayList<>(slices.size());
        for (ParamSlice s : slices) {
            double[] v = SliceMath.channelSums(group, s, ctx.weights(), p == 1 ? SliceMath.Measure.ABS : SliceMath.Measure.SQUARE);
            if (p == 2) for (int c = 0; c < v.length; c++) v[c] = Math.sqrt(v[c]);
            per.add(v);
        }
        return new ChannelScores(ctx.reduction().reduce(per, group.channels()), basis(id(), slices.size(), ctx));
    }

    static String basis(String id, int slices, ScoringContext ctx) {
        if (slices == 0) return id + ": no weight slices, all channels tie";
        return id + " over " + slices + (slices == 1 ? " slice" : " slices, " + ctx.reduction().id());
    }
}
