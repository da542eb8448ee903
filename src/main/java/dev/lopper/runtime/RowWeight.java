package dev.lopper.runtime;

/**
 * How much each position (row) of a captured tensor counts: the inverse of the variance (or, for an RMS norm, of the
 * mean square) over the last axis of {@code tensor} at the same position, plus {@code epsilon}. That is the squared
 * scale a following LayerNormalization (RMSNormalization) divides that position by, so moments weighted this way make
 * a least-squares fit count each position's error as the normalization will see it: in a transformer, a token whose
 * residual stream carries a huge activation weighs what its normalized error weighs, not its raw error.
 *
 * @param tensor   the normalization's input (positions on all axes but the last, as in the weighted tensor)
 * @param centered true for LayerNormalization (variance), false for RMSNormalization (mean square)
 * @param epsilon  the normalization's epsilon
 */
public record RowWeight(String tensor, boolean centered, double epsilon) {
    /** One weight per position of {@code t}'s leading axes (row-major), from its last axis. */
    public double[] weights(HostTensor t) {
        if (t.rank() < 1) throw new EvalException("tensor '" + tensor + "' is a scalar; a row weight needs a last axis");
        int n = (int) t.dim(-1);
        int rows = n == 0 ? 0 : t.size() / n;
        float[] v = t.toFloatArray();
        double[] w = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0, sq = 0;
            for (int i = r * n; i < (r + 1) * n; i++) {
                s += v[i];
                sq += (double) v[i] * v[i];
            }
            double m = s / n;
            double var = centered ? Math.max(0, sq / n - m * m) : sq / n;
            w[r] = 1 / (var + epsilon);
        }
        return w;
    }
}
