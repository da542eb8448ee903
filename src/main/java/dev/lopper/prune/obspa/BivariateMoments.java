package dev.lopper.prune.obspa;

import java.util.function.DoubleUnaryOperator;

/**
 * Cross moments of elementwise nonlinearities on a correlated Gaussian pair (X, Y) ~ N((μx, μy), [[σx², c], [c, σy²]]):
 * <ul>
 *   <li>ReLU in closed form (moments of the truncated bivariate normal, Rosenbaum 1961), with the bivariate normal
 *       CDF Φ₂ by the Drezner–Wesolowsky integral Φ₂(h, k; ρ) = Φ(h)Φ(k) + (1/2π)∫₀^{asin ρ} exp(−(h² − 2hk sin θ + k²) /
 *       (2 cos² θ)) dθ, evaluated with 20-point Gauss–Legendre;</li>
 *   <li>any other function by 2-D Gauss–Hermite quadrature (16 × 16 nodes).</li>
 * </ul>
 * |ρ| is clamped to 0.99999 (the pair is then numerically a single variable).
 */
public final class BivariateMoments {
    private BivariateMoments() {}

    private static final double TWO_PI = 2 * Math.PI;
    private static final double MAX_RHO = 0.99999;

    private static final double[] GL_X, GL_W; // Gauss–Legendre on [0, 1]
    private static final double[] GH_Z, GH_W; // probabilists' Gauss–Hermite: Σ w f(z) ≈ E[f(Z)], Z ~ N(0, 1)

    static {
        int n = 20;
        GL_X = new double[n];
        GL_W = new double[n];
        for (int i = 0; i < n; i++) {
            double x = Math.cos(Math.PI * (i + 0.75) / (n + 0.5));
            double dp = 0;
            for (int it = 0; it < 100; it++) {
                double p1 = 1, p2 = 0;
                for (int j = 0; j < n; j++) {
                    double p3 = p2;
                    p2 = p1;
                    p1 = ((2 * j + 1) * x * p2 - j * p3) / (j + 1);
                }
                dp = n * (x * p1 - p2) / (x * x - 1);
                double dx = p1 / dp;
                x -= dx;
                if (Math.abs(dx) < 1e-15) break;
            }
            GL_X[i] = (x + 1) / 2;
            GL_W[i] = 1 / ((1 - x * x) * dp * dp); // 2/((1-x²)P'²) scaled by 1/2 for [0, 1]
        }
        int m = 16;
        double[] zx = new double[m], zw = new double[m];
        // physicists' Hermite roots by Newton (Numerical Recipes' gauher), then z = √2 x, w/√π
        double z = 0;
        double pim4 = 0.7511255444649425;
        for (int i = 0; i < (m + 1) / 2; i++) {
            if (i == 0) z = Math.sqrt(2 * m + 1) - 1.85575 * Math.pow(2 * m + 1, -0.16667);
            else if (i == 1) z -= 1.14 * Math.pow(m, 0.426) / z;
            else if (i == 2) z = 1.86 * z - 0.86 * zx[0];
            else if (i == 3) z = 1.91 * z - 0.91 * zx[1];
            else z = 2 * z - zx[i - 2];
            double pp = 0;
            for (int it = 0; it < 100; it++) {
                double p1 = pim4, p2 = 0;
                for (int j = 0; j < m; j++) {
                    double p3 = p2;
                    p2 = p1;
                    p1 = z * Math.sqrt(2.0 / (j + 1)) * p2 - Math.sqrt((double) j / (j + 1)) * p3;
                }
                pp = Math.sqrt(2.0 * m) * p2;
                double z1 = z;
                z = z1 - p1 / pp;
                if (Math.abs(z - z1) < 1e-14) break;
            }
            zx[i] = z;
            zx[m - 1 - i] = -z;
            zw[i] = 2 / (pp * pp);
            zw[m - 1 - i] = zw[i];
        }
        GH_Z = new double[m];
        GH_W = new double[m];
        for (int i = 0; i < m; i++) {
            GH_Z[i] = Math.sqrt(2) * zx[i];
            GH_W[i] = zw[i] / Math.sqrt(Math.PI);
        }
    }

    /** P(X < h, Y < k) for standard normals with correlation ρ. */
    public static double cdf(double h, double k, double rho) {
        double r = Math.max(-MAX_RHO, Math.min(MAX_RHO, rho));
        double base = GaussianMoments.cdf(h) * GaussianMoments.cdf(k);
        double asr = Math.asin(r);
        if (asr == 0) return base;
        double hs = h * h + k * k, hk = 2 * h * k, s = 0;
        for (int i = 0; i < GL_X.length; i++) {
            double th = asr * GL_X[i];
            double sn = Math.sin(th), cs2 = 1 - sn * sn;
            s += GL_W[i] * Math.exp(-(hs - hk * sn) / (2 * cs2));
        }
        return Math.max(0, Math.min(1, base + s * asr / TWO_PI));
    }

    /** E[ReLU(X) · ReLU(Y)]. */
    public static double reluCross(double mx, double vx, double my, double vy, double cov) {
        double sx = Math.sqrt(Math.max(0, vx)), sy = Math.sqrt(Math.max(0, vy));
        if (sx == 0 || sy == 0) {
            if (sx == 0 && sy == 0) return Math.max(0, mx) * Math.max(0, my);
            // one side constant: E[c · ReLU(other)]
            return sx == 0 ? Math.max(0, mx) * GaussianMoments.relu(my, vy)[0] : Math.max(0, my) * GaussianMoments.relu(mx, vx)[0];
        }
        double rho = Math.max(-MAX_RHO, Math.min(MAX_RHO, cov / (sx * sy)));
        double h = mx / sx, k = my / sy;
        double a = -h, b = -k, s = Math.sqrt(1 - rho * rho);
        double l = cdf(h, k, rho);
        double pa = GaussianMoments.pdf(a), pb = GaussianMoments.pdf(b);
        double qa = 1 - GaussianMoments.cdf((b - rho * a) / s); // Q((b − ρa)/s)
        double qb = 1 - GaussianMoments.cdf((a - rho * b) / s); // Q((a − ρb)/s)
        double eu = pa * qa + rho * pb * qb;
        double ev = pb * qb + rho * pa * qa;
        double q = (a * a - 2 * rho * a * b + b * b) / (s * s);
        double euv = rho * l + rho * a * pa * qa + rho * b * pb * qb + s / Math.sqrt(TWO_PI) * Math.exp(-q / 2) / Math.sqrt(TWO_PI);
        return sx * sy * (euv + k * eu + h * ev + h * k * l);
    }

    /** E[f(X) · g(Y)] by 2-D Gauss–Hermite quadrature. */
    public static double cross(DoubleUnaryOperator f, DoubleUnaryOperator g, double mx, double vx, double my, double vy, double cov) {
        double sx = Math.sqrt(Math.max(0, vx)), sy = Math.sqrt(Math.max(0, vy));
        double rho = sx == 0 || sy == 0 ? 0 : Math.max(-MAX_RHO, Math.min(MAX_RHO, cov / (sx * sy)));
        double s = Math.sqrt(1 - rho * rho);
        int m = GH_Z.length;
        double[] fx = new double[m];
        for (int i = 0; i < m; i++) fx[i] = f.applyAsDouble(mx + sx * GH_Z[i]);
        double t = 0;
        for (int i = 0; i < m; i++) {
            double inner = 0;
            for (int j = 0; j < m; j++) inner += GH_W[j] * g.applyAsDouble(my + sy * (rho * GH_Z[i] + s * GH_Z[j]));
            t += GH_W[i] * fx[i] * inner;
        }
        return t;
    }
}
