package dev.lopper.importance;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.ParamSlice;

/**
 * LAMP (Lee et al. 2021, layer-adaptive magnitude-based pruning), structured as in Torch-Pruning: per slice,
 * channel c has squared magnitude Σw² over its weights; slices combine by the reduction; then
 * s_c / Σ_{j: s_j ≥ s_c} s_j ({@link Normalization#LAMP}), which makes scores comparable across groups,
 * so the default normalization afterwards is {@link Normalization#NONE}.
 */
public final class LampCriterion implements ImportanceCriterion {
    @Override
    public String id() { return "lamp"; }

    @Override
    public Normalization defaultNormalization() { return Normalization.NONE; }

    @Override
    public ChannelScores score(CoupledGroup group, ScoringContext ctx) {
        List<ParamSlice> slices = SliceMath.slices(group, MagnitudeCriterion.WEIGHT_ROLES);
        List<double[]> per = new ArrayList<>();
        for (ParamSlice s : slices) per.add(SliceMath.channelSums(group, s, ctx.weights(), SliceMath.Measure.SQUARE));
        double[] squared = ctx.reduction().reduce(per, group.channels());
        return new ChannelScores(Normalization.LAMP.apply(squared), MagnitudeCriterion.basis(id(), slices.size(), ctx));
    }
}
