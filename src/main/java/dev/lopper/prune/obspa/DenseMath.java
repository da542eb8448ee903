package dev.lopper.prune.obspa;

/** Small dense linear algebra on row-major double arrays. */
public final class DenseMath {
    private DenseMath() {}

    /** Rows/columns per task in the blocked inverse. */
    private static final int BLOCK = 64;

    /**
     * In-place inverse of a symmetric positive definite n × n matrix via Cholesky (A = L Lᵀ, A⁻¹ = L⁻ᵀ L⁻¹).
     * Returns false (matrix left in an unspecified state) when A is not positive definite.
     */
    public static boolean invertSpd(double[] a, int n) {
        double[] l = new double[n * n];
        boolean par = n >= 256;
        for (int j = 0; j < n; j++) {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
            if (!(d > 1e-300) || Double.isInfinite(d)) return false;
            double ljj = Math.sqrt(d);
            l[j * n + j] = ljj;
            final int jj = j;
            // the entries below the diagonal of column j are independent: split over cores on wide matrices
            java.util.function.IntConsumer below = i -> {
                double s = a[i * n + jj];
                int oi = i * n, oj = jj * n;
                for (int k = 0; k < jj; k++) s -= l[oi + k] * l[oj + k];
                l[i * n + jj] = s / ljj;
            };
            if (par && (long) (n - j) * j >= (1L << 18)) java.util.stream.IntStream.range(j + 1, n).parallel().forEach(below);
            else for (int i = j + 1; i < n; i++) below.accept(i);
        }
        // invert L (lower triangular) into li: row i = −(Σ_{k<i} l_ik · row k) / l_ii. Each entry sums l_ik li_kj
        // over k in increasing order from k = j, as the textbook column form does, but the inner loop runs along
        // contiguous rows (cache-friendly), and blocks of columns (independent) are split over cores.
        double[] li = new double[n * n];
        int blocks = (n + BLOCK - 1) / BLOCK;
        java.util.function.IntConsumer invCols = bj -> {
            int j0 = bj * BLOCK, j1 = Math.min(n, j0 + BLOCK);
            for (int i = j0; i < n; i++) {
                int oi = i * n;
                for (int k = j0; k < i; k++) {
                    double lik = l[oi + k];
                    int ok = k * n;
                    int end = Math.min(j1 - 1, k);
                    for (int j = j0; j <= end; j++) li[oi + j] += lik * li[ok + j];
                }
                double lii = l[oi + i];
                int end = Math.min(j1, i);
                for (int j = j0; j < end; j++) li[oi + j] = -li[oi + j] / lii;
                if (i < j1) li[oi + i] = 1 / lii;
            }
        };
        // A⁻¹ = L⁻ᵀ L⁻¹ : (i, j) = Σ_k li[k][i] li[k][j], k ≥ max(i, j), summed over k in increasing order along rows;
        // blocks of rows i (independent) split over cores
        java.util.Arrays.fill(a, 0, n * n, 0.0);
        java.util.function.IntConsumer prodRows = bi -> {
            int i0 = bi * BLOCK, i1 = Math.min(n, i0 + BLOCK);
            for (int k = i0; k < n; k++) {
                int ok = k * n;
                int end = Math.min(i1 - 1, k);
                for (int i = i0; i <= end; i++) {
                    double lki = li[ok + i];
                    if (lki == 0) continue;
                    int oi = i * n;
                    for (int j = 0; j <= i; j++) a[oi + j] += lki * li[ok + j];
                }
            }
        };
        if (par) {
            java.util.stream.IntStream.range(0, blocks).parallel().forEach(invCols);
            java.util.stream.IntStream.range(0, blocks).parallel().forEach(prodRows);
        } else {
            for (int bj = 0; bj < blocks; bj++) invCols.accept(bj);
            for (int bi = 0; bi < blocks; bi++) prodRows.accept(bi);
        }
        for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
        return true;
    }
}
