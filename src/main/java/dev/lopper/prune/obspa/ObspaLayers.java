package dev.lopper.prune.obspa;

import java.util.Optional;

import dev.lopper.importance.Weights;

/** Builds the OBS solver of one consumer layer from its weights and input moments. */
public final class ObspaLayers {
    private ObspaLayers() {}

    /**
     * @param layer      the consumer
     * @param solver     OBS over its columns (plus the bias column, last, when {@code biasColumn})
     * @param biasColumn true when the layer has a bias that compensation can move
     * @param moments    the input moments used (identity when none could be derived)
     * @param derived    false when identity H was used
     */
    public record Built(ConsumerLayer layer, ObsSolver solver, boolean biasColumn, InputMoments moments, boolean derived) { }

    public static Built build(ConsumerLayer layer, ObspaSource source, Weights weights) {
        return build(layer, source, weights, false);
    }

    /**
     * As {@link #build(ConsumerLayer, ObspaSource, Weights)}; with {@code relative} every output row r is divided by
     * √(R · Var[y_r]) (R rows, Var[y_r] = w_r Cov[x] w_rᵀ from the same moments), so the solver's ΔE is the mean over
     * output channels of the error relative to that channel's variance: the error as a following normalization sees
     * it, comparable across layers of any width or scale (what a global ranking needs). The removal order and the
     * compensation (row-wise least squares) are those of the unscaled rows; only the units of ΔE change.
     */
    public static Built build(ConsumerLayer layer, ObspaSource source, Weights weights, boolean relative) {
        float[] values = weights.get(layer.weight()).values();
        boolean withBias = layer.bias() != null;
        float[] b = withBias && layer.bias().initial() ? weights.get(layer.bias().tensor()).values() : null;
        double[][] m = layer.matrix(values, b, withBias);
        if (layer.groups() > 1) return grouped(layer, source, m, withBias, relative);
        Optional<InputMoments> found = source.moments(layer);
        boolean derived = found.isPresent() && found.get().features() == layer.features();
        InputMoments im = derived ? found.get() : InputMoments.identity(layer.features());
        int f = layer.features();
        if (relative) normalizeRows(m, 0, m.length, im, m.length);
        ObsSolver solver;
        if (f > InputMoments.MAX_DENSE_FEATURES) {
            double[] var = new double[f];
            for (int i = 0; i < f; i++) var[i] = im.variance(i);
            solver = new DiagonalObs(m, im.mean(), var, withBias ? f : -1);
        } else if (derived) {
            // the same H for scoring and compensation: inverted once per source
            solver = new ObsLayer(m, source.damped(layer, withBias,
                    () -> ObsLayer.damped(im.hessian(withBias), withBias ? f : -1, source.damping())));
        } else {
            solver = new ObsLayer(m, im.hessian(withBias), withBias ? f : -1, source.damping());
        }
        return new Built(layer, solver, withBias, im, derived);
    }

    private static ObsSolver solver(double[][] m, InputMoments im, boolean withBias, double damping) {
        int f = im.features();
        if (f > InputMoments.MAX_DENSE_FEATURES) {
            double[] var = new double[f];
            for (int i = 0; i < f; i++) var[i] = im.variance(i);
            return new DiagonalObs(m, im.mean(), var, withBias ? f : -1);
        }
        return new ObsLayer(m, im.hessian(withBias), withBias ? f : -1, damping);
    }

    /** A grouped conv: one solver per group, each with the moments of the channels its rows read. */
    /**
     * Divides rows from … to−1 of {@code m} by √(total · Var[y_r]), Var[y_r] = w_r (E[xxᵀ] − μμᵀ) w_rᵀ over the
     * feature columns (a dead row, variance ≤ 10⁻⁶ of the rows' mean, uses that floor).
     */
    static void normalizeRows(double[][] m, int from, int to, InputMoments im, int total) {
        int f = im.features();
        double[] var = new double[to - from];
        double[] cov = im.secondMoment();
        double[] mu = im.mean();
        double sum = 0;
        // rows are independent (same arithmetic whichever thread does a row): split over cores on wide layers; with the
        // covariance, eight rows per pass share each read of its rows (each row's sums in the same order as alone)
        java.util.function.IntConsumer one = r -> {
            double[] w = m[r];
            double v = 0;
            if (cov != null) {
                double[] tmp = new double[f];
                double wm = 0;
                for (int i = 0; i < f; i++) wm += w[i] * mu[i];
                for (int i = 0; i < f; i++) {
                    double s = 0;
                    int off = i * f;
                    for (int j = 0; j < f; j++) s += cov[off + j] * w[j];
                    tmp[i] = s;
                }
                for (int i = 0; i < f; i++) v += w[i] * tmp[i];
                v -= wm * wm;
            } else {
                for (int i = 0; i < f; i++) v += w[i] * w[i] * im.variance(i);
            }
            var[r - from] = Math.max(0, v);
        };
        java.util.function.IntConsumer quad = qd -> {
            int r0 = from + qd * 8;
            if (cov == null || r0 + 8 > to) {
                for (int r = r0; r < Math.min(to, r0 + 8); r++) one.accept(r);
                return;
            }
            double[] w0 = m[r0], w1 = m[r0 + 1], w2 = m[r0 + 2], w3 = m[r0 + 3];
            double[] w4 = m[r0 + 4], w5 = m[r0 + 5], w6 = m[r0 + 6], w7 = m[r0 + 7];
            double[][] tmp = new double[8][f];
            for (int i = 0; i < f; i++) {
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
                int off = i * f;
                for (int j = 0; j < f; j++) {
                    double c = cov[off + j];
                    s0 += c * w0[j];
                    s1 += c * w1[j];
                    s2 += c * w2[j];
                    s3 += c * w3[j];
                    s4 += c * w4[j];
                    s5 += c * w5[j];
                    s6 += c * w6[j];
                    s7 += c * w7[j];
                }
                tmp[0][i] = s0;
                tmp[1][i] = s1;
                tmp[2][i] = s2;
                tmp[3][i] = s3;
                tmp[4][i] = s4;
                tmp[5][i] = s5;
                tmp[6][i] = s6;
                tmp[7][i] = s7;
            }
            for (int q = 0; q < 8; q++) {
                double[] w = m[r0 + q], t = tmp[q];
                double wm = 0, v = 0;
                for (int i = 0; i < f; i++) wm += w[i] * mu[i];
                for (int i = 0; i < f; i++) v += w[i] * t[i];
                v -= wm * wm;
                var[r0 + q - from] = Math.max(0, v);
            }
        };
        int quads = (to - from + 7) / 8;
        if (cov != null && (long) (to - from) * f * f >= ObsLayer.PARALLEL_WORK) {
            java.util.stream.IntStream.range(0, quads).parallel().forEach(quad);
        } else {
            for (int qd = 0; qd < quads; qd++) quad.accept(qd);
        }
        for (int r = from; r < to; r++) sum += var[r - from];
        double floor = Math.max(1e-6 * sum / Math.max(1, to - from), 1e-30);
        for (int r = from; r < to; r++) {
            double s = 1 / Math.sqrt(total * Math.max(var[r - from], floor));
            for (int i = 0; i < m[r].length; i++) m[r][i] *= s;
        }
    }

    private static Built grouped(ConsumerLayer layer, ObspaSource source, double[][] m, boolean withBias, boolean relative) {
        int groups = layer.groups(), per = layer.outputs() / groups;
        ObsSolver[] parts = new ObsSolver[groups];
        boolean derived = true;
        InputMoments first = null;
        for (int g = 0; g < groups; g++) {
            Optional<InputMoments> found = source.moments(layer, g);
            boolean ok = found.isPresent() && found.get().features() == layer.features();
            derived &= ok;
            InputMoments im = ok ? found.get() : InputMoments.identity(layer.features());
            if (first == null) first = im;
            double[][] rows = new double[per][];
            if (relative) normalizeRows(m, g * per, (g + 1) * per, im, m.length);
            for (int r = 0; r < per; r++) rows[r] = m[g * per + r];
            parts[g] = solver(rows, im, withBias, source.damping());
        }
        return new Built(layer, new GroupedObs(parts, per, m[0].length), withBias, first, derived);
    }
}
