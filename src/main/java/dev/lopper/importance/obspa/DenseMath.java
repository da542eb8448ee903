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
        // invert L (lower triangular) into li, row by row: row i = −(Σ_{k<i} l_ik · row k) / l_ii. Each entry sums
        // l_ik li_kj over k in increasing order (the terms k < j are exact zeros), as the textbook column form does,
        // but the inner loop runs along contiguous rows (cache-friendly on wide layers).
        double[] li = new double[n * n];
        for (int i = 0; i < n; i++) {
            int oi = i * n;
            for (int k = 0; k < i; k++) {
                double lik = l[oi + k];
                int ok = k * n;
                for (int j = 0; j <= k; j++) li[oi + j] += lik * li[ok + j];
            }
            double lii = l[oi + i];
            for (int j = 0; j < i; j++) li[oi + j] = -li[oi + j] / lii;
            li[oi + i] = 1 / lii;
        }
        // A⁻¹ = L⁻ᵀ L⁻¹ : (i, j) = Σ_k li[k][i] li[k][j], k ≥ max(i, j), summed over k in increasing order along rows
        java.util.Arrays.fill(a, 0, n * n, 0.0);
        for (int k = 0; k < n; k++) {
            int ok = k * n;
            for (int i = 0; i <= k; i++) {
                double lki = li[ok + i];
                if (lki == 0) continue;
                int oi = i * n;
                for (int j = 0; j <= i; j++) a[oi + j] += lki * li[ok + j];
            }
        }
        for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
        return true;
    }
}
