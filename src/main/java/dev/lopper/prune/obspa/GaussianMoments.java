package dev.lopper.prune.obspa;

import java.util.function.DoubleUnaryOperator;

/**
 * Moments of f(X) for X ~ N(μ, σ²): closed form for ReLU (rectified Gaussian), numerical integration
 * (Simpson, 1,601 points over ±8σ) for any other elementwise function, and of the maximum of n independent
 * copies (max pooling).
 */
public final class GaussianMoments {
    private GaussianMoments() {}

    private static final int POINTS = 1601;
    private static final double RANGE = 8;
    private static final double[] Z = new double[POINTS];
    private static final double[] WEIGHT = new double[POINTS];

    static {
        double h = 2 * RANGE / (POINTS - 1);
        for (int i = 0; i < POINTS; i++) {
            Z[i] = -RANGE + i * h;
            double simpson = i == 0 || i == POINTS - 1 ? 1 : (i % 2 == 1 ? 4 : 2);
            WEIGHT[i] = simpson * h / 3 * pdf(Z[i]);
        }
    }

    /** {E[f(X)], Var[f(X)]}. */
    public static double[] of(DoubleUnaryOperator f, double mean, double var) {
        double sd = Math.sqrt(Math.max(0, var));
        if (sd == 0) return new double[] {f.applyAsDouble(mean), 0};
        double m1 = 0, m2 = 0;
        for (int i = 0; i < POINTS; i++) {
            double y = f.applyAsDouble(mean + sd * Z[i]);
            m1 += WEIGHT[i] * y;
            m2 += WEIGHT[i] * y * y;
        }
        return new double[] {m1, Math.max(0, m2 - m1 * m1)};
    }

    /** {E, Var} of ReLU(X): E = μΦ(a) + σφ(a), E² = (μ² + σ²)Φ(a) + μσφ(a), a = μ/σ. */
    public static double[] relu(double mean, double var) {
        double sd = Math.sqrt(Math.max(0, var));
        if (sd == 0) return new double[] {Math.max(0, mean), 0};
        double a = mean / sd;
        double cdf = cdf(a), pdf = pdf(a);
        double m1 = mean * cdf + sd * pdf;
        double m2 = (mean * mean + var) * cdf + mean * sd * pdf;
        return new double[] {m1, Math.max(0, m2 - m1 * m1)};
    }

    /** {E, Var} of the maximum of n independent N(μ, σ²). */
    public static double[] maxOf(int n, double mean, double var) {
        if (n <= 1) return new double[] {mean, var};
        double sd = Math.sqrt(Math.max(0, var));
        double e1 = 0, e2 = 0;
        for (int i = 0; i < POINTS; i++) {
            double w = WEIGHT[i] * n * Math.pow(cdf(Z[i]), n - 1);
            e1 += w * Z[i];
            e2 += w * Z[i] * Z[i];
        }
        return new double[] {mean + sd * e1, var * Math.max(0, e2 - e1 * e1)};
    }

    public static double pdf(double z) { return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI); }

    public static double cdf(double z) { return 0.5 * (1 + erf(z / Math.sqrt(2))); }

    /** erf with |error| < 1.2e-7 (the one in {@link dev.lopper.analysis.ops.Activations}). */
    public static double erf(double x) { return dev.lopper.analysis.ops.Activations.erf(x); }
}
