package dev.lopper.importance.obspa;

/** Small dense linear algebra on row-major double arrays. */
public final class DenseMath {
    private DenseMath() {}

    /**
     * In-place inverse of a symmetric positive definite n × n matrix via Cholesky (A = L Lᵀ, A⁻¹ = L⁻ᵀ L⁻¹).
     * Returns false (matrix left in an unspecified state) when A is not positive definite.
     */
    public static boolean invertSpd(double[] a, int n) {
        double[] l = new double[n * n];
        for (int j = 0; j < n; j++) {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
            if (!(d > 1e-300) || Double.isInfinite(d)) return false;
            double ljj = Math.sqrt(d);
            l[j * n + j] = ljj;
            for (int i = j + 1; i < n; i++) {
                double s = a[i * n + j];
                int oi = i * n, oj = j * n;
                for (int k = 0; k < j; k++) s -= l[oi + k] * l[oj + k];
                l[i * n + j] = s / ljj;
            }
        }
        // invert L (lower triangular) in place into li
        double[] li = new double[n * n];
        for (int i = 0; i < n; i++) {
            li[i * n + i] = 1 / l[i * n + i];
            for (int j = 0; j < i; j++) {
                double s = 0;
                for (int k = j; k < i; k++) s += l[i * n + k] * li[k * n + j];
                li[i * n + j] = -s / l[i * n + i];
            }
        }
        // A⁻¹ = L⁻ᵀ L⁻¹ : (i, j) = Σ_k li[k][i] li[k][j], k ≥ max(i, j)
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = i; k < n; k++) s += li[k * n + i] * li[k * n + j];
                a[i * n + j] = s;
                a[j * n + i] = s;
            }
        }
        return true;
    }
}
