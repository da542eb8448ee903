package dev.lopper.importance;

import java.util.Random;

import dev.lopper.analysis.CoupledGroup;

/**
 * Uniform random scores in [0, 1), a baseline. Deterministic: the generator of each group is
 * {@code new java.util.Random(seed ^ (31L * id.hashCode()))}, so a seed and a group id always give the same
 * scores (java.util.Random's sequence is specified by the JDK).
 */
public final class RandomCriterion implements ImportanceCriterion {
    @Override
    public String id() { return "random"; }

    @Override
    public ChannelScores score(CoupledGroup group, ScoringContext ctx) {
        Random r = new Random(groupSeed(ctx.seed(), group.id()));
        double[] v = new double[group.channels()];
        for (int c = 0; c < v.length; c++) v[c] = r.nextDouble();
        return new ChannelScores(v, "random (seed " + ctx.seed() + ")");
    }

    public static long groupSeed(long seed, String groupId) { return seed ^ (31L * groupId.hashCode()); }
}
