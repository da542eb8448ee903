package dev.lopper.prune.obspa;

/**
 * Mean and variance of each position along one axis of an activation (over samples and every other axis),
 * assumed independent across positions.
 *
 * @param axis non-negative axis
 * @param via  how they were derived (the node chain's first source, e.g. "BatchNormalization bn1")
 */
public record ChannelMoments(int axis, double[] mean, double[] var, String via) {
    public int size() { return mean.length; }
}
