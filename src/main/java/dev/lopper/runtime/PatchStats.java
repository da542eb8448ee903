package dev.lopper.runtime;

/**
 * Moments of unfolded convolution patches of one tensor (see {@link ConvPatch}), over every output position of
 * every sample: what a Conv consuming this tensor sees. With x̃ = [p; 1], OBS's H = E[x̃ x̃ᵀ] is
 * [[secondMoment, mean], [meanᵀ, 1]].
 *
 * @param features     C · kernelH · kernelW, ordered (c, ky, kx)
 * @param count        patches seen
 * @param mean         E[p]
 * @param secondMoment E[p pᵀ], row-major features x features
 */
public record PatchStats(String tensor, ConvPatch patch, int features, long count, double[] mean, double[] secondMoment) {
    public double secondMoment(int i, int j) { return secondMoment[i * features + j]; }
}
