package dev.lopper.prune.obspa;

import java.util.List;

import dev.lopper.graph.ModelGraph;

/**
 * Sequential, data-free compensation of one consumer against the <em>original</em> model: with joint moments of the
 * original input x and of the input x̂ the already pruned and compensated upstream produces
 * ({@link CovarianceMoments#joint}), the kept weights W'_K minimise E‖W'_K x̂_K − W x‖²:
 * W'_K = W C_{:,K} (Ĥ_KK + ε)⁻¹ with Ĥ = E[x̂ x̂ᵀ], C = E[x x̂ᵀ] (bias input appended; taps correlated by the spatial
 * model, H = Σ ⊗ S + μμᵀ per block). Every output row then keeps, of the candidates (this solution, the one-shot OBS
 * update, no update at all), the one with the smallest predicted error E‖w' x̂ − w x‖² = w'Ĥw'ᵀ − 2w'Cᵀwᵀ + wHwᵀ —
 * so a row is never made worse than slicing alone, as predicted by the model.
 */
final class JointCompensation {
    private JointCompensation() {}

    /** The chosen weights (rows × (features [+ bias])) and how many rows took each candidate. */
    record Result(double[][] weights, int joint, int oneShot, int plain, double errorBefore, double errorAfter) { }

    /**
     * @param w        original rows × (features [+ 1 bias column holding the bias, or 0 when it starts at 0])
     * @param oneShot  the one-shot OBS weights, same layout (removed columns 0)
     * @param removed  removed feature columns
     * @return null when the joint moments do not fit this layer
     */
    static Result solve(ConsumerLayer l, CovarianceMoments.Moments jm, ModelGraph graph, double[][] w, double[][] oneShot,
                        boolean bias, int[] removed, double lambda) {
        int groups = l.groups(), pos = l.positions(), taps = l.taps(), f = l.features();
        int per = pos * groups; // channels per copy
        if (jm.size() != 2 * per || f > InputMoments.MAX_DENSE_FEATURES) return null;
        double[] s = GraphObspaSource.tapCorrelation(l, jm, graph);
        int n = f + (bias ? 1 : 0);
        return solveBlocks(l, w, oneShot, bias, removed, lambda, g -> {
            int off = g * pos;
            return new double[][] {moments(jm, s, off, off, pos, taps, bias, n), moments(jm, s, per + off, per + off, pos, taps, bias, n),
                    moments(jm, s, off, per + off, pos, taps, bias, n)};
        });
    }

    /**
     * The same solution from measured joint moments: {@code joint} is over 2F features, the F of the original model's
     * input (feature order of the layer) then the F of the edited model's, measured on the same samples (an ungrouped
     * layer only). Null when it does not fit.
     */
    static Result solveMeasured(ConsumerLayer l, InputMoments joint, double[][] w, double[][] oneShot, boolean bias, int[] removed,
                                double lambda) {
        int f = l.features();
        if (l.groups() != 1 || joint.features() != 2 * f || joint.secondMoment() == null || f > InputMoments.MAX_DENSE_FEATURES) {
            return null;
        }
        double[][] b = jointBlocks(joint, f, bias);
        return solveBlocks(l, w, oneShot, bias, removed, lambda, g -> b);
    }

    /** {H, Ĥ, C} over F features (+ bias last) from measured joint moments over 2F features (original input first). */
    static double[][] jointBlocks(InputMoments joint, int f, boolean bias) {
        int n = f + (bias ? 1 : 0), all = 2 * f;
        double[] j2 = joint.secondMoment(), mu = joint.mean();
        double[] h = new double[n * n], hh = new double[n * n], cx = new double[n * n];
        for (int i = 0; i < f; i++) {
            for (int k = 0; k < f; k++) {
                h[i * n + k] = j2[i * all + k];
                hh[i * n + k] = j2[(f + i) * all + f + k];
                cx[i * n + k] = j2[i * all + f + k];
            }
        }
        if (bias) {
            for (int i = 0; i < f; i++) {
                h[i * n + f] = h[f * n + i] = mu[i];
                hh[i * n + f] = hh[f * n + i] = mu[f + i];
                cx[i * n + f] = mu[i];
                cx[f * n + i] = mu[f + i];
            }
            h[f * n + f] = hh[f * n + f] = cx[f * n + f] = 1;
        }
        return new double[][] {h, hh, cx};
    }

    /** {H, H, H} from one input's moments: the target is the layer's original weights on that same input. */
    static double[][] sameBlocks(InputMoments m, boolean bias) {
        double[] h = m.hessian(bias);
        return new double[][] {h, h, h};
    }

    /**
     * What the cross-validated shrinkage did to one layer.
     *
     * @param weights     plain + α (update − plain) per row
     * @param alpha       the layer's α in [0, 1]: 1 keeps the update, 0 slices without one
     * @param plainError  held-out error E‖w' x̂ − w x‖² of slicing alone, summed over rows and folds (by share)
     * @param gatedError  the same for plain + α (fitted − plain)
     */
    record Gate(double[][] weights, double alpha, double plainError, double gatedError) { }

    /**
     * Keeps as much of a layer's update as helps on samples the fit did not see. For every fold k,
     * {@code fitted.get(k)} is the update computed without fold k's samples and {@code held.get(k)} that fold's
     * {H, Ĥ, C} ({@link #jointBlocks} or {@link #sameBlocks}); with d = fitted − plain the held-out error of
     * plain + α d is quadratic in α, e(α) = e(0) + 2αB + α²A (A = Σ d Ĥ dᵀ, B = Σ (p Ĥ − w C) dᵀ over rows and folds,
     * weighted by the folds' shares), and α = clamp(−B / A, 0, 1) minimises it. One α per layer, not per row: a
     * decision per row on a few held-out samples picks rows that looked better by chance.
     *
     * @param w       original rows × (features [+ bias])
     * @param update  the update computed on all samples
     * @param removed removed feature columns
     */
    static Gate gate(double[][] w, double[][] update, List<double[][]> fitted, List<double[][]> held, double[] share, int[] removed,
                     int f, boolean bias) {
        int n = f + (bias ? 1 : 0);
        boolean[] gone = new boolean[n];
        for (int c : removed) gone[c] = true;
        double[][] plain = new double[w.length][n];
        for (int r = 0; r < w.length; r++) for (int j = 0; j < n; j++) if (!gone[j]) plain[r][j] = w[r][j];
        double a = 0, b = 0, e0 = 0;
        for (int k = 0; k < share.length; k++) {
            double[] h = held.get(k)[0], hh = held.get(k)[1], cx = held.get(k)[2];
            for (int r = 0; r < w.length; r++) {
                double[] p = plain[r], wr = w[r], fr = fitted.get(k)[r];
                double[] d = new double[n];
                for (int j = 0; j < n; j++) d[j] = fr[j] - p[j];
                double dHd = 0, pHd = 0, wCd = 0;
                for (int i = 0; i < n; i++) {
                    double hd = 0, cd = 0;
                    for (int j = 0; j < n; j++) {
                        hd += hh[i * n + j] * d[j];
                        cd += cx[i * n + j] * d[j];
                    }
                    dHd += d[i] * hd;
                    pHd += p[i] * hd;
                    wCd += wr[i] * cd;
                }
                a += share[k] * dHd;
                b += share[k] * (pHd - wCd);
                e0 += share[k] * error(p, wr, h, hh, cx, n);
            }
        }
        double alpha = a > 0 ? Math.max(0, Math.min(1, -b / a)) : 0;
        double[][] out = new double[w.length][n];
        for (int r = 0; r < w.length; r++) for (int j = 0; j < n; j++) out[r][j] = plain[r][j] + alpha * (update[r][j] - plain[r][j]);
        return new Gate(out, alpha, e0, Math.max(0, e0 + 2 * alpha * b + alpha * alpha * a));
    }

    /** Per conv group g: {H, Ĥ, C} over that group's features (+ bias). */
    private static Result solveBlocks(ConsumerLayer l, double[][] w, double[][] oneShot, boolean bias, int[] removed, double lambda,
                                      java.util.function.IntFunction<double[][]> blocks) {
        int groups = l.groups(), f = l.features();
        boolean[] gone = new boolean[f];
        for (int c : removed) gone[c] = true;
        int n = f + (bias ? 1 : 0);
        int[] keep = new int[n - removed.length];
        int k = 0;
        for (int j = 0; j < n; j++) if (j >= f || !gone[j]) keep[k++] = j;
        int rowsPer = l.outputs() / groups;
        double[][] out = new double[w.length][];
        int nJoint = 0, nOne = 0, nPlain = 0;
        double before = 0, after = 0;
        for (int g = 0; g < groups; g++) {
            // H (original), Ĥ (edited), C = E[x x̂ᵀ] over this group's features (+ bias)
            double[][] b = blocks.apply(g);
            double[] h = b[0], hh = b[1], cx = b[2];
            int kk = keep.length;
            double[] a = new double[kk * kk];
            double mean = 0;
            for (int i = 0; i < kk; i++) {
                for (int j = 0; j < kk; j++) a[i * kk + j] = hh[keep[i] * n + keep[j]];
                if (keep[i] < f) mean += a[i * kk + i];
            }
            mean = kk > 0 ? mean / kk : 1;
            double eps = lambda * (mean > 0 ? mean : 1);
            for (int i = 0; i < kk; i++) if (keep[i] < f) a[i * kk + i] += eps;
            boolean ok = kk > 0 && invert(a, kk);
            for (int r = g * rowsPer; r < (g + 1) * rowsPer; r++) {
                double[] wr = w[r];
                double[] plain = new double[n];
                for (int j : keep) plain[j] = wr[j];
                double[] best = plain;
                double ePlain = error(plain, wr, h, hh, cx, n), eBest = ePlain;
                int pick = 0;
                double eOne = error(oneShot[r], wr, h, hh, cx, n);
                if (eOne < eBest) {
                    best = oneShot[r].clone();
                    eBest = eOne;
                    pick = 1;
                }
                if (ok) {
                    // rhs_j = Σ_i w_i C[i, keep_j]; w'_K = rhs A⁻¹
                    double[] rhs = new double[kk];
                    for (int j = 0; j < kk; j++) {
                        double t = 0;
                        for (int i = 0; i < n; i++) t += wr[i] * cx[i * n + keep[j]];
                        rhs[j] = t;
                    }
                    double[] sol = new double[n];
                    for (int j = 0; j < kk; j++) {
                        double t = 0;
                        for (int i = 0; i < kk; i++) t += rhs[i] * a[i * kk + j];
                        sol[keep[j]] = t;
                    }
                    double eJ = error(sol, wr, h, hh, cx, n);
                    if (eJ < eBest) {
                        best = sol;
                        eBest = eJ;
                        pick = 2;
                    }
                }
                if (pick == 0) nPlain++;
                else if (pick == 1) nOne++;
                else nJoint++;
                before += ePlain;
                after += eBest;
                out[r] = best;
            }
        }
        return new Result(out, nJoint, nOne, nPlain, before, after);
    }

    /** E[u vᵀ] over (channel, tap) features of two channel blocks of the joint moments, bias entry last when {@code bias}. */
    private static double[] moments(CovarianceMoments.Moments jm, double[] s, int offU, int offV, int pos, int taps, boolean bias, int n) {
        int all = jm.size(), f = pos * taps;
        double[] m = new double[n * n];
        double[] mu = jm.mean(), cov = jm.cov();
        for (int p = 0; p < pos; p++) {
            for (int q = 0; q < pos; q++) {
                double sv = cov[(offU + p) * all + offV + q], mm = mu[offU + p] * mu[offV + q];
                for (int t = 0; t < taps; t++) {
                    int row = (p * taps + t) * n + q * taps;
                    for (int u = 0; u < taps; u++) m[row + u] = sv * s[t * taps + u] + mm;
                }
            }
        }
        if (bias) {
            for (int p = 0; p < pos; p++) {
                for (int t = 0; t < taps; t++) {
                    m[(p * taps + t) * n + f] = mu[offU + p];
                    m[f * n + p * taps + t] = mu[offV + p];
                }
            }
            m[f * n + f] = 1;
        }
        return m;
    }

    /** E‖w' x̂ − w x‖² = w'Ĥw'ᵀ − 2 w'Cᵀwᵀ + wHwᵀ. */
    private static double error(double[] wp, double[] w, double[] h, double[] hh, double[] cx, int n) {
        double a = 0, b = 0, c = 0;
        for (int i = 0; i < n; i++) {
            double wi = w[i], pi = wp[i];
            double ra = 0, rb = 0, rc = 0;
            for (int j = 0; j < n; j++) {
                if (pi != 0) ra += hh[i * n + j] * wp[j];
                if (wi != 0) rc += h[i * n + j] * w[j];
                if (wi != 0) rb += cx[i * n + j] * wp[j];
            }
            a += pi * ra;
            b += wi * rb;
            c += wi * rc;
        }
        return Math.max(0, a - 2 * b + c);
    }

    /** In-place inverse of an SPD matrix, with an eigen-free fallback: more damping until Cholesky succeeds. */
    private static boolean invert(double[] a, int n) {
        double[] copy = a.clone();
        double bump = 0;
        double mean = 0;
        for (int i = 0; i < n; i++) mean += Math.abs(copy[i * n + i]);
        mean = n > 0 && mean > 0 ? mean / n : 1;
        for (int attempt = 0; attempt < 8; attempt++) {
            double[] t = copy.clone();
            for (int i = 0; i < n; i++) t[i * n + i] += bump;
            if (DenseMath.invertSpd(t, n)) {
                System.arraycopy(t, 0, a, 0, a.length);
                return true;
            }
            bump = bump == 0 ? 1e-8 * mean : bump * 10;
        }
        return false;
    }
}
