package dev.lopper.prune.obspa;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.lopper.analysis.ops.MomentView;
import dev.lopper.analysis.ops.Ops;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Shape;
import dev.lopper.importance.Weights;

/**
 * The distribution of an image-like graph input [N, C, H, W] inferred from the first BatchNormalization after a Conv
 * that reads it: the BN's running mean and variance are the moments of W·x over the training data, so they constrain
 * the input's moments. Model: channel c has mean m_c and variance s_c², channels uncorrelated, spatial correlation
 * stationary and separable, r(δy, δx) = ρy^|δy| · ρx^|δx|. With V[t, u] the fraction of output positions at which
 * kernel taps t and u both read inside the input (zero padding reads 0), the conv's pre-BN moments are
 * <pre>
 *   E[y_o]   = b_o + Σ_c m_c Σ_t w_oct V_tt
 *   Var[y_o] = Σ_c s_c² Σ_{t,u} w_oct w_ocu V_tu S_tu(ρ) + Σ_{c,c'} m_c m_c' Σ_{t,u} w_oct w_oc'u V_tu − (Σ_c m_c Σ_t w_oct V_tt)²
 * </pre>
 * (the last two terms: the spread of the mean over positions that the padding causes). The means are the least-squares
 * solution of the mean equations (each weighted by 1/√running_var); then for each (ρy, ρx) on a grid (refined twice)
 * the variances solve the variance equations in relative least squares, and the (ρy, ρx) with the smallest residual is
 * kept. With a 1-wide kernel axis the ρ along it is not observable and is left 0 (white along that axis).
 *
 * @param input    the graph input
 * @param mean     per channel
 * @param var      per channel
 * @param rhoY     correlation of vertically adjacent pixels
 * @param rhoX     correlation of horizontally adjacent pixels
 * A fit is used only when {@link #plausible()}: every variance positive, ρ inside the searched range, and both
 * residuals at most {@value #MAX_RESIDUAL} (BN statistics that were not measured on data, e.g. random test models,
 * give none of these).
 *
 * @param residual     relative RMS residual of the variance equations at the fit (0: exact)
 * @param meanResidual RMS residual of the mean equations in units of the running standard deviation
 * @param via          the BatchNormalization the fit came from
 */
public record InputPrior(String input, double[] mean, double[] var, double rhoY, double rhoX, double residual,
                         double meanResidual, String via) {

    /** Largest residual (relative, see above) of a plausible fit. */
    static final double MAX_RESIDUAL = 0.3;

    /** Widest input fitted (one unknown mean and variance per channel); wider inputs stay white. */
    static final int MAX_CHANNELS = 16;
    /** Lowest and highest ρ searched. */
    static final double RHO_MIN = -0.5, RHO_MAX = 0.98;

    /** r(δy, δx) of the prior. */
    public double r(int dy, int dx) {
        return pow(rhoY, Math.abs(dy)) * pow(rhoX, Math.abs(dx));
    }

    private static double pow(double rho, int k) {
        return k == 0 ? 1 : Math.pow(rho, k);
    }

    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append("graph input ").append(input).append(": prior fitted to ").append(via).append(" (mean");
        for (double m : mean) b.append(String.format(Locale.ROOT, " %.3g", m));
        b.append(", variance");
        for (double v : var) b.append(String.format(Locale.ROOT, " %.3g", v));
        b.append(String.format(Locale.ROOT, ", spatial correlation ρy %.2f ρx %.2f; residual %.2f variance, %.2f mean)", rhoY, rhoX,
                residual, meanResidual));
        return b.toString();
    }

    /** Why the fit is not used, or null when it is plausible. */
    public String implausible() {
        for (double v : var) if (!(v > 0)) return "a channel's variance fitted to 0";
        double lo = RHO_MIN + 1e-3, hi = RHO_MAX - 1e-3;
        if (rhoY <= lo || rhoY >= hi || rhoX <= lo || rhoX >= hi) return "a spatial correlation at the end of the searched range";
        if (!(residual <= MAX_RESIDUAL) || !(meanResidual <= MAX_RESIDUAL)) return "the statistics do not fit the model";
        return null;
    }

    public boolean plausible() { return implausible() == null; }

    /**
     * The prior of graph input {@code input}, when a Conv reads it directly (Identity aliases aside) and its output's
     * only reader is a BatchNormalization with running statistics; empty otherwise (the input then stays white).
     */
    public static Optional<InputPrior> fit(ModelGraph graph, Weights weights, String input) {
        return candidate(graph, weights, input).filter(InputPrior::plausible);
    }

    /** The fit as {@link #fit} makes it, plausible or not. */
    public static Optional<InputPrior> candidate(ModelGraph graph, Weights weights, String input) {
        Shape s = graph.shape(input);
        if (!s.hasRank() || s.rank() != 4) return Optional.empty();
        for (Node conv : graph.nodes()) {
            if (!MomentView.LINEAR_CONV.equals(Ops.moments(conv.opType())) || conv.inputs().isEmpty()
                    || !graph.resolve(conv.input(0)).equals(graph.resolve(input))) continue;
            if (!graph.isConstant(conv.input(1))) continue;
            List<Node> readers = graph.consumers(graph.resolve(conv.output(0)));
            if (readers.size() != 1 || !MomentView.NORM_BATCH.equals(Ops.moments(readers.get(0).opType()))) continue;
            Node bn = readers.get(0);
            if (bn.inputs().size() < 5 || !graph.isConstant(bn.input(3)) || !graph.isConstant(bn.input(4))) continue;
            try {
                Optional<InputPrior> p = fitConv(graph, weights, input, conv, bn);
                if (p.isPresent()) return p;
            } catch (RuntimeException e) {
                // a shape or attribute we cannot read: try the next conv, else white
            }
        }
        return Optional.empty();
    }

    private static Optional<InputPrior> fitConv(ModelGraph graph, Weights weights, String input, Node conv, Node bn) {
        float[] w = weights.get(conv.input(1)).values();
        long[] d = dev.lopper.onnx.Tensors.dims(graph.constant(conv.input(1)));
        if (d.length != 4) return Optional.empty();
        float[] rm = weights.get(bn.input(3)).values(), rv = weights.get(bn.input(4)).values();
        float[] bias = conv.inputs().size() > 2 && !conv.input(2).isEmpty() && graph.isConstant(conv.input(2))
                ? weights.get(conv.input(2)).values() : null;
        int o = (int) d[0], cg = (int) d[1], kh = (int) d[2], kw = (int) d[3];
        int groups = (int) conv.attrInt("group", 1);
        Shape s = graph.shape(input);
        int cin = (int) s.dim(1);
        if (cin <= 0 || cin > MAX_CHANNELS || cg * groups != cin || o % groups != 0 || rm.length != o || rv.length != o) return Optional.empty();
        long h = s.dim(2), wd = s.dim(3);
        if (h <= 0 || wd <= 0) return Optional.empty();
        long[] pads = conv.attrInts("pads"), strides = conv.attrInts("strides"), dil = conv.attrInts("dilations");
        String auto = conv.attrString("auto_pad", "NOTSET");
        int[] dl = {dil != null && dil.length == 2 ? (int) dil[0] : 1, dil != null && dil.length == 2 ? (int) dil[1] : 1};
        int[] st = {strides != null && strides.length == 2 ? (int) strides[0] : 1, strides != null && strides.length == 2 ? (int) strides[1] : 1};
        double[][] vy = validity(h, kh, st[0], dl[0], pad(pads, auto, 0, h, kh, st[0], dl[0]));
        double[][] vx = validity(wd, kw, st[1], dl[1], pad(pads, auto, 1, wd, kw, st[1], dl[1]));
        if (vy == null || vx == null) return Optional.empty();
        return Optional.of(solve(input, w, o, cg, groups, kh, kw, dl, vy, vx, bias, rm, rv, bn.opType() + " " + bn.name()));
    }

    /** {begin, end} padding along spatial axis {@code i}. */
    private static long[] pad(long[] pads, String auto, int i, long size, int k, int st, int dl) {
        long ext = (long) (k - 1) * dl + 1;
        if (auto.equals("SAME_UPPER") || auto.equals("SAME_LOWER")) {
            long out = (size + st - 1) / st;
            long total = Math.max(0, (out - 1) * st + ext - size);
            long b = auto.equals("SAME_UPPER") ? total / 2 : total - total / 2;
            return new long[] {b, total - b};
        }
        if (pads != null && pads.length == 4) return new long[] {pads[i], pads[2 + i]};
        return new long[] {0, 0};
    }

    /** v[a][c]: fraction of output positions along one axis where kernel offsets a and c both read inside. */
    static double[][] validity(long size, int k, int st, int dl, long[] pad) {
        long ext = (long) (k - 1) * dl + 1;
        long out = (size + pad[0] + pad[1] - ext) / st + 1;
        if (out <= 0 || out > 1 << 20) return null;
        double[][] v = new double[k][k];
        for (long p = 0; p < out; p++) {
            for (int a = 0; a < k; a++) {
                long ia = p * st - pad[0] + (long) a * dl;
                if (ia < 0 || ia >= size) continue;
                for (int c = 0; c < k; c++) {
                    long ic = p * st - pad[0] + (long) c * dl;
                    if (ic >= 0 && ic < size) v[a][c] += 1.0 / out;
                }
            }
        }
        return v;
    }

    /**
     * The fit for a conv with weights {@code w} [o, cg, kh, kw] (groups), per-axis tap validity {@code vy}, {@code vx}
     * (see {@link #validity}), optional bias, and the BN's running mean / variance {@code rm}, {@code rv}.
     */
    static InputPrior solve(String input, float[] w, int o, int cg, int groups, int kh, int kw, int[] dil,
                            double[][] vy, double[][] vx, float[] bias, float[] rm, float[] rv, String via) {
        int taps = kh * kw, cin = cg * groups, og = o / groups;
        double[] vt = new double[taps * taps];
        for (int t = 0; t < taps; t++) for (int u = 0; u < taps; u++) vt[t * taps + u] = vy[t / kw][u / kw] * vx[t % kw][u % kw];
        double[] sd = new double[o];
        for (int r = 0; r < o; r++) sd[r] = Math.sqrt(Math.max(rv[r], 1e-12));
        // means: a[r][c] = Σ_t w_rct V_tt (zero for channels outside r's group); weighted least squares
        double[][] a = new double[o][cin];
        for (int r = 0; r < o; r++) {
            int g = r / og;
            for (int c = 0; c < cg; c++) {
                double x = 0;
                for (int t = 0; t < taps; t++) x += w[(r * cg + c) * taps + t] * vt[t * taps + t];
                a[r][g * cg + c] = x;
            }
        }
        double[] rhs = new double[o];
        for (int r = 0; r < o; r++) rhs[r] = rm[r] - (bias != null && bias.length == o ? bias[r] : 0);
        double[] m = leastSquares(a, rhs, sd);
        // the mean-spread term B_r (independent of ρ and of the variances)
        double[] bterm = new double[o];
        for (int r = 0; r < o; r++) {
            int g = r / og;
            double q = 0, lin = 0;
            for (int c = 0; c < cg; c++) {
                lin += m[g * cg + c] * a[r][g * cg + c];
                for (int c2 = 0; c2 < cg; c2++) {
                    double mm = m[g * cg + c] * m[g * cg + c2], x = 0;
                    for (int t = 0; t < taps; t++) {
                        double wt = w[(r * cg + c) * taps + t];
                        for (int u = 0; u < taps; u++) x += wt * w[(r * cg + c2) * taps + u] * vt[t * taps + u];
                    }
                    q += mm * x;
                }
            }
            bterm[r] = q - lin * lin;
        }
        // variances per (ρy, ρx): grid, then two refinements around the best
        double[] best = null;
        double lo0 = RHO_MIN, hi0 = RHO_MAX, lo1 = RHO_MIN, hi1 = RHO_MAX;
        boolean fy = kh > 1, fx = kw > 1;
        for (int pass = 0; pass < 3; pass++) {
            int n = 30, ni = fy ? n : 0, nj = fx ? n : 0;
            double[] ry = new double[ni + 1], rx = new double[nj + 1];
            for (int i = 0; i <= ni; i++) ry[i] = fy ? lo0 + (hi0 - lo0) * i / n : 0;
            for (int j = 0; j <= nj; j++) rx[j] = fx ? lo1 + (hi1 - lo1) * j / n : 0;
            // the grid points are independent fits: split over cores, then the best taken in grid order as before
            double[][] fits = new double[(ni + 1) * (nj + 1)][];
            java.util.stream.IntStream.range(0, fits.length).parallel().forEach(k ->
                    fits[k] = variances(w, o, cg, og, kh, kw, dil, vt, ry[k / (nj + 1)], rx[k % (nj + 1)], bterm, rv, sd));
            for (int k = 0; k < fits.length; k++) {
                double[] fit = fits[k];
                if (fit != null && (best == null || fit[0] < best[0])) {
                    best = new double[fit.length + 2];
                    best[0] = fit[0];
                    best[1] = ry[k / (nj + 1)];
                    best[2] = rx[k % (nj + 1)];
                    System.arraycopy(fit, 1, best, 3, fit.length - 1);
                }
            }
            if (best == null) break;
            double sy = (hi0 - lo0) / n, sx = (hi1 - lo1) / n;
            lo0 = Math.max(RHO_MIN, best[1] - sy);
            hi0 = Math.min(RHO_MAX, best[1] + sy);
            lo1 = Math.max(RHO_MIN, best[2] - sx);
            hi1 = Math.min(RHO_MAX, best[2] + sx);
        }
        double[] var = new double[cin];
        if (best != null) System.arraycopy(best, 3, var, 0, cin);
        else java.util.Arrays.fill(var, 1);
        double me = 0;
        for (int r = 0; r < o; r++) {
            double p = 0;
            for (int c = 0; c < cin; c++) p += a[r][c] * m[c];
            me += (p - rhs[r]) * (p - rhs[r]) / (sd[r] * sd[r]);
        }
        // an axis with a 1-wide kernel does not see ρ: 0 there, and not held against plausibility
        return new InputPrior(input, m, var, best == null ? 0 : best[1], best == null ? 0 : best[2],
                best == null ? Double.NaN : Math.sqrt(best[0] / o), Math.sqrt(me / o), via);
    }

    /**
     * {residual, s_0², …}: the variances (non-negative) solving Σ_c s_c² A_rc + B_r = rv_r in least squares relative to
     * rv_r, for spatial correlation (ρy, ρx).
     */
    private static double[] variances(float[] w, int o, int cg, int og, int kh, int kw, int[] dil, double[] vt,
                                      double ry, double rx, double[] bterm, float[] rv, double[] sd) {
        int taps = kh * kw, groups = o / og, cin = cg * groups;
        double[] st = new double[taps * taps];
        for (int t = 0; t < taps; t++) {
            for (int u = 0; u < taps; u++) {
                int dy = Math.abs(t / kw - u / kw) * dil[0], dx = Math.abs(t % kw - u % kw) * dil[1];
                st[t * taps + u] = pow(ry, dy) * pow(rx, dx) * vt[t * taps + u];
            }
        }
        double[][] coef = new double[o][cin];
        double[] rhs = new double[o], scale = new double[o];
        for (int r = 0; r < o; r++) {
            int g = r / og;
            for (int c = 0; c < cg; c++) {
                double x = 0;
                for (int t = 0; t < taps; t++) {
                    double wt = w[(r * cg + c) * taps + t];
                    if (wt == 0) continue;
                    for (int u = 0; u < taps; u++) x += wt * w[(r * cg + c) * taps + u] * st[t * taps + u];
                }
                coef[r][g * cg + c] = x;
            }
            rhs[r] = rv[r] - bterm[r];
            scale[r] = sd[r] * sd[r];
        }
        // non-negative least squares by active set on the (small) channel count: drop channels whose solution is negative
        boolean[] active = new boolean[cin];
        java.util.Arrays.fill(active, true);
        double[] s = null;
        for (int it = 0; it <= cin; it++) {
            List<Integer> cols = new ArrayList<>();
            for (int c = 0; c < cin; c++) if (active[c]) cols.add(c);
            if (cols.isEmpty()) return null;
            double[][] sub = new double[o][cols.size()];
            for (int r = 0; r < o; r++) for (int k = 0; k < cols.size(); k++) sub[r][k] = coef[r][cols.get(k)];
            double[] x = leastSquares(sub, rhs, scale);
            boolean neg = false;
            for (int k = 0; k < x.length; k++) {
                if (!(x[k] > 0)) {
                    active[cols.get(k)] = false;
                    neg = true;
                }
            }
            if (!neg) {
                s = new double[cin];
                for (int k = 0; k < x.length; k++) s[cols.get(k)] = x[k];
                break;
            }
        }
        if (s == null) return null;
        double res = 0;
        for (int r = 0; r < o; r++) {
            double p = 0;
            for (int c = 0; c < cin; c++) p += coef[r][c] * s[c];
            double e = (p - rhs[r]) / scale[r];
            res += e * e;
        }
        double[] out = new double[cin + 1];
        out[0] = res;
        System.arraycopy(s, 0, out, 1, cin);
        return out;
    }

    /** argmin_x Σ_r ((A x − b)_r / scale_r)² by the normal equations (a small ridge keeps them solvable). */
    static double[] leastSquares(double[][] a, double[] b, double[] scale) {
        int n = a.length == 0 ? 0 : a[0].length;
        double[] g = new double[n * n], y = new double[n];
        for (int r = 0; r < a.length; r++) {
            double wr = 1 / (scale[r] * scale[r]);
            for (int i = 0; i < n; i++) {
                y[i] += a[r][i] * b[r] * wr;
                for (int j = 0; j < n; j++) g[i * n + j] += a[r][i] * a[r][j] * wr;
            }
        }
        double tr = 0;
        for (int i = 0; i < n; i++) tr += g[i * n + i];
        for (int i = 0; i < n; i++) g[i * n + i] += 1e-12 * (tr / Math.max(1, n)) + 1e-300;
        // Gaussian elimination with partial pivoting
        for (int col = 0; col < n; col++) {
            int p = col;
            for (int r = col + 1; r < n; r++) if (Math.abs(g[r * n + col]) > Math.abs(g[p * n + col])) p = r;
            if (p != col) {
                for (int j = 0; j < n; j++) {
                    double t = g[col * n + j];
                    g[col * n + j] = g[p * n + j];
                    g[p * n + j] = t;
                }
                double t = y[col];
                y[col] = y[p];
                y[p] = t;
            }
            double piv = g[col * n + col];
            if (piv == 0) continue;
            for (int r = col + 1; r < n; r++) {
                double f = g[r * n + col] / piv;
                if (f == 0) continue;
                for (int j = col; j < n; j++) g[r * n + j] -= f * g[col * n + j];
                y[r] -= f * y[col];
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double v = y[i];
            for (int j = i + 1; j < n; j++) v -= g[i * n + j] * x[j];
            x[i] = g[i * n + i] == 0 ? 0 : v / g[i * n + i];
        }
        return x;
    }
}
