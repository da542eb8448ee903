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
        // Cholesky, left-looking in blocks of CHOL columns: every l_ij = (a_ij − Σ_{k<j} l_ik l_jk) / l_jj with the sum
        // over k in increasing order, as column by column, but a row's part over the columns before the block is
        // computed in one pass over that row for all the block's columns (four at a time)
        for (int jb = 0; jb < n; jb += CHOL) {
            int je = Math.min(n, jb + CHOL);
            final int b0 = jb, b1 = je;
            // the block's own rows, in order (they give the diagonal)
            for (int i = jb; i < je; i++) choleskyPart(a, l, n, i, b0, Math.min(b1, i + 1));
            for (int j = jb; j < je; j++) {
                double d = l[j * n + j];
                for (int k = jb; k < j; k++) d -= l[j * n + k] * l[j * n + k];
                if (!(d > 1e-300) || Double.isInfinite(d)) return false;
                double ljj = Math.sqrt(d);
                l[j * n + j] = ljj;
                for (int i = j + 1; i < je; i++) finishEntry(l, n, i, j, b0, ljj);
            }
            // the rows below: independent, in chunks split over cores
            int chunks = (n - je + 15) / 16;
            java.util.function.IntConsumer below = ch -> {
                int i0 = b1 + ch * 16, i1 = Math.min(n, i0 + 16);
                for (int i = i0; i < i1; i++) {
                    choleskyPart(a, l, n, i, b0, b1);
                    for (int j = b0; j < b1; j++) finishEntry(l, n, i, j, b0, l[j * n + j]);
                }
            };
            if (par && (long) (n - je) * je >= (1L << 16)) java.util.stream.IntStream.range(0, chunks).parallel().forEach(below);
            else for (int ch = 0; ch < chunks; ch++) below.accept(ch);
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
                int k = j0;
                // four k per pass: ((x + t_k) + t_k+1) + … is the one-at-a-time order; the extra terms with j > k are
                // l_ik · 0 (L⁻¹ is lower triangular) and add +0 to a sum that is never −0, so no bit changes
                for (; k + 3 < i; k += 4) {
                    double q0 = l[oi + k], q1 = l[oi + k + 1], q2 = l[oi + k + 2], q3 = l[oi + k + 3];
                    int ok0 = k * n, ok1 = ok0 + n, ok2 = ok1 + n, ok3 = ok2 + n;
                    int end = Math.min(j1 - 1, k + 3);
                    for (int j = j0; j <= end; j++) {
                        li[oi + j] = li[oi + j] + q0 * li[ok0 + j] + q1 * li[ok1 + j] + q2 * li[ok2 + j] + q3 * li[ok3 + j];
                    }
                }
                for (; k < i; k++) {
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
            int k0 = i0;
            // four k per pass over the block's rows (same order per entry; li_ki = 0 for k < i adds +0, as skipping it)
            for (; k0 + 3 < n; k0 += 4) {
                int ok0 = k0 * n, ok1 = ok0 + n, ok2 = ok1 + n, ok3 = ok2 + n;
                int end = Math.min(i1 - 1, k0 + 3);
                for (int i = i0; i <= end; i++) {
                    double q0 = li[ok0 + i], q1 = li[ok1 + i], q2 = li[ok2 + i], q3 = li[ok3 + i];
                    int oi = i * n;
                    for (int j = 0; j <= i; j++) {
                        a[oi + j] = a[oi + j] + q0 * li[ok0 + j] + q1 * li[ok1 + j] + q2 * li[ok2 + j] + q3 * li[ok3 + j];
                    }
                }
            }
            for (int k = k0; k < n; k++) {
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

    /** Columns per block of the left-looking Cholesky. */
    private static final int CHOL = 16;

    /**
     * Row i, columns j0 … j1−1 (j1 ≤ i + 1): l_ij ← a_ij − Σ_{k<jb} l_ik l_jk (k increasing), four columns per pass over
     * row i (each sum in the same order as alone). jb = j0 (the block start): the columns before it are final.
     */
    private static void choleskyPart(double[] a, double[] l, int n, int i, int j0, int j1) {
        int oi = i * n;
        int j = j0;
        for (; j + 3 < j1; j += 4) {
            int o0 = j * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
            double s0 = a[oi + j], s1 = a[oi + j + 1], s2 = a[oi + j + 2], s3 = a[oi + j + 3];
            for (int k = 0; k < j0; k++) {
                double lik = l[oi + k];
                s0 -= lik * l[o0 + k];
                s1 -= lik * l[o1 + k];
                s2 -= lik * l[o2 + k];
                s3 -= lik * l[o3 + k];
            }
            l[oi + j] = s0;
            l[oi + j + 1] = s1;
            l[oi + j + 2] = s2;
            l[oi + j + 3] = s3;
        }
        for (; j < j1; j++) {
            int oj = j * n;
            double s = a[oi + j];
            for (int k = 0; k < j0; k++) s -= l[oi + k] * l[oj + k];
            l[oi + j] = s;
        }
    }

    /** l_ij ← (partial l_ij − Σ_{jb ≤ k < j} l_ik l_jk) / l_jj, continuing the sum of {@link #choleskyPart}. */
    private static void finishEntry(double[] l, int n, int i, int j, int jb, double ljj) {
        int oi = i * n, oj = j * n;
        double s = l[oi + j];
        for (int k = jb; k < j; k++) s -= l[oi + k] * l[oj + k];
        l[oi + j] = s / ljj;
    }
}
