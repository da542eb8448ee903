package dev.lopper.runtime;

/**
 * Per-channel statistics of one tensor over all positions (every index except the channel axis) of all
 * batches seen.
 *
 * @param count        values seen per channel
 * @param mean         E[x]
 * @param meanAbs      E[|x|]
 * @param zeroFraction fraction of exact zeros (APoZ, "average percentage of zeros", after a ReLU)
 * @param meanSquare   E[x²]
 * @param secondMoment E[x xᵀ] over channels, row-major C x C (uncentred), or null when not requested
 * @param weight       total weight of the positions seen: {@code count} when they are unweighted, else the sum of the
 *                     {@link RowWeight} of each position (the expectations above are then weighted means)
 */
public record ChannelStats(String tensor, int channelAxis, int channels, long count, double[] mean, double[] meanAbs,
                           double[] zeroFraction, double[] meanSquare, double[] secondMoment, double weight) {
    public ChannelStats(String tensor, int channelAxis, int channels, long count, double[] mean, double[] meanAbs,
                        double[] zeroFraction, double[] meanSquare, double[] secondMoment) {
        this(tensor, channelAxis, channels, count, mean, meanAbs, zeroFraction, meanSquare, secondMoment, count);
    }

    public double variance(int c) { return Math.max(0, meanSquare[c] - mean[c] * mean[c]); }

    public double std(int c) { return Math.sqrt(variance(c)); }

    /** Centred covariance Cov[x_i, x_j], or NaN when the second-moment matrix was not requested. */
    public double covariance(int i, int j) {
        if (secondMoment == null) return Double.NaN;
        return secondMoment[i * channels + j] - mean[i] * mean[j];
    }

    /** E[x_i x_j]. */
    public double secondMoment(int i, int j) {
        return secondMoment == null ? Double.NaN : secondMoment[i * channels + j];
    }
}
