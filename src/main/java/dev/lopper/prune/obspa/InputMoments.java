package dev.lopper.prune.obspa;

/**
 * First and second moments of the features a consumer layer reads (one per weight column, in the weight's column
 * order: input position-major, kernel taps inner). Either a dense E[x xᵀ] or, when {@code secondMoment} is null,
 * independent features with the given variances.
 *
 * @param features     F
 * @param mean         E[x], length F
 * @param secondMoment E[x xᵀ], F × F row-major, or null
 * @param variance     Var[x] per feature (used when secondMoment is null), or null
 * @param basis        where they come from, e.g. "data-free (BatchNormalization bn1 → Relu)" or "calibration (100 samples)"
 */
public record InputMoments(int features, double[] mean, double[] secondMoment, double[] variance, String basis) {
    /** Layers with more inputs than this use the diagonal solver ({@link DiagonalObs}); H would need F² doubles. */
    public static final int MAX_DENSE_FEATURES = 2048;

    public InputMoments {
        if (mean.length != features) throw new IllegalArgumentException("mean has " + mean.length + " entries, expected " + features);
        if (secondMoment == null && variance == null) throw new IllegalArgumentException("second moments or variances are required");
    }

    /** Var[x_i] (diagonal). */
    public double variance(int i) {
        if (secondMoment != null) return Math.max(0, secondMoment[i * features + i] - mean[i] * mean[i]);
        return Math.max(0, variance[i]);
    }

    /** H = E[x̃ x̃ᵀ] with x̃ = [x; 1] when {@code withBias} (bias last), row-major. */
    public double[] hessian(boolean withBias) {
        int n = features + (withBias ? 1 : 0);
        double[] h = new double[n * n];
        for (int i = 0; i < features; i++) {
            for (int j = 0; j < features; j++) {
                h[i * n + j] = secondMoment != null ? secondMoment[i * features + j]
                        : mean[i] * mean[j] + (i == j ? Math.max(0, variance[i]) : 0);
            }
        }
        if (withBias) {
            for (int i = 0; i < features; i++) {
                h[i * n + features] = mean[i];
                h[features * n + i] = mean[i];
            }
            h[features * n + features] = 1;
        }
        return h;
    }

    /**
     * The moments of the other samples when these are the moments of all samples and {@code part} (same features)
     * those of a fraction {@code share} of them: (E_all − share · E_part) / (1 − share), entry by entry.
     */
    public InputMoments without(InputMoments part, double share) {
        if (part.features != features) throw new IllegalArgumentException("held-out moments have " + part.features + " features, expected " + features);
        if (!(share > 0 && share < 1)) throw new IllegalArgumentException("share must be in (0, 1), got " + share);
        double k = 1 / (1 - share);
        double[] mu = new double[features];
        for (int i = 0; i < features; i++) mu[i] = (mean[i] - share * part.mean[i]) * k;
        if (secondMoment != null && part.secondMoment != null) {
            double[] sm = new double[secondMoment.length];
            for (int i = 0; i < sm.length; i++) sm[i] = (secondMoment[i] - share * part.secondMoment[i]) * k;
            return new InputMoments(features, mu, sm, null, basis + ", held-out samples left out");
        }
        double[] var = new double[features];
        for (int i = 0; i < features; i++) {
            double e2 = variance(i) + mean[i] * mean[i], p2 = part.variance(i) + part.mean[i] * part.mean[i];
            var[i] = Math.max(0, (e2 - share * p2) * k - mu[i] * mu[i]);
        }
        return new InputMoments(features, mu, null, var, basis + ", held-out samples left out");
    }

    /** Moments of independent features (data-free, or calibration without a covariance). */
    public static InputMoments independent(double[] mean, double[] variance, String basis) {
        return new InputMoments(mean.length, mean, null, variance, basis);
    }

    /** Identity-like moments (no knowledge): zero mean, unit variance. */
    public static InputMoments identity(int features) {
        double[] v = new double[features];
        java.util.Arrays.fill(v, 1);
        return new InputMoments(features, new double[features], null, v, "identity H (no input moments)");
    }
}
