package dev.lopper.importance;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.ParamSlice;

/**
 * Network slimming (Liu et al. 2017): a channel is as important as |γ|, the scale of the normalization that
 * follows it ({@link ParamSlice.Role#NORM_SCALE} slices: BatchNorm, InstanceNorm, LayerNorm scales).
 * Several norms in one group (e.g. every BatchNorm feeding a residual Add) are combined by the reduction.
 * A group without any normalization scale falls back to {@link MagnitudeCriterion L1 magnitude}, and the
 * scores' basis says so.
 */
public final class BatchNormScaleCriterion implements ImportanceCriterion {
    private final MagnitudeCriterion fallback = new MagnitudeCriterion(1);

    @Override
    public String id() { return "bn-scale"; }

    @Override
    public ChannelScores score(CoupledGroup group, ScoringContext ctx) {
        List<ParamSlice> slices = SliceMath.slices(group, EnumSet.of(ParamSlice.Role.NORM_SCALE));
        if (slices.isEmpty()) {
            ChannelScores l1 = fallback.score(group, ctx);
            return new ChannelScores(l1.values(), "bn-scale fell back to " + l1.basis() + ": no normalization scale");
        }
        List<double[]> per = new ArrayList<>();
        for (ParamSlice s : slices) per.add(SliceMath.channelSums(group, s, ctx.weights(), SliceMath.Measure.ABS));
        return new ChannelScores(ctx.reduction().reduce(per, group.channels()), MagnitudeCriterion.basis(id(), slices.size(), ctx));
    }
}
