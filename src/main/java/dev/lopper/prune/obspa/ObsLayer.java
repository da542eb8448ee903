package dev.lopper.prune.obspa;

import java.util.Arrays;

/**
 * Optimal Brain Surgeon on one linear layer y = W x̃ (x̃ = [x; 1] when the layer has a bias), with the input's
 * second moments H = E[x̃ x̃ᵀ]. Removing the column set Q and moving the other weights by
 * δW = −W_Q (H⁻¹_QQ)⁻¹ H⁻¹_Q,: is the least-squares optimum; this class does it and keeps H⁻¹ up to date so
 * columns can be removed one block after another (greedy) or all at once (compensation).
 *
 * <p>H is damped for the inverse: H_d = H + ε on the diagonal of the x features (not of the bias entry), with
 * ε = {@link #DEFAULT_DAMPING} · mean diag(H) unless given. The reported {@link #deltaE} is the <em>true</em>
 * increase of E‖y − y₀‖² under the undamped H for the damped solution:
 * ΔE = Σ_rows w_Q M (H_d⁻¹_QQ − (H_d⁻¹ E H_d⁻¹)_QQ) M w_Qᵀ with M = (H_d⁻¹_QQ)⁻¹ and E the damping diagonal,
 * so a channel that carries a constant (zero variance) costs exactly 0 when the layer has a bias.
 */
public final class ObsLayer implements ObsSolver {
    /** Default relative damping λ: ε = λ · mean diag(H). */
    public static final double DEFAULT_DAMPING = 0.01;

    /** An H⁻¹ update of at least this many multiply-adds runs its rows in parallel. */
    static final long PARALLEL_WORK = 1L << 22;

    private final int rows;
    /** Columns of the layer (the callers' column indices). */
    private final int n0;
    /**
     * Columns still stored: a deferred layer drops its removed columns from H⁻¹, the weights and ε once a quarter of
     * them are gone (after a flush), so later passes run over the columns left. Entries keep their values and every
     * sum over columns skipped the removed ones (zero) anyway, so no bit changes.
     */
    private int n;
    private double[][] w;
    private double[] eps;
    private double[] hinv;
    private boolean[] removed;
    /** Stored column → layer column, and layer column → stored column or −1; null until the first compaction. */
    private int[] orig, pos;

    /**
     * Layers with at least this many columns defer their H⁻¹ and weight updates: a removal records its rank-b
     * correction (H⁻¹ ← H⁻¹ − u pᵀ, W ← W − a pᵀ) and up to {@link #DEFER_COLUMNS} removed columns are applied
     * together in one pass over H⁻¹ (blocked downdate) instead of one pass each. Same algebra, different rounding
     * (entries agree to ~1e-12 relative); narrower layers use the immediate updates, bit for bit as before.
     */
    static final int DEFER_FROM = 384;
    /** Removed columns whose updates are applied together on a deferred layer. */
    static final int DEFER_COLUMNS = 64;

    private final int deferCap;
    private double[][] pu = new double[0][], pp = new double[0][], pa = new double[0][];
    private int pending;

    /**
     * @param w       rows × n weights (copied), the last column the bias when the layer has one
     * @param h       n × n second moments E[x̃ x̃ᵀ], row-major (not modified)
     * @param biasCol index of the bias column (its diagonal is not damped), or −1
     * @param lambda  relative damping
     */
    public ObsLayer(double[][] w, double[] h, int biasCol, double lambda) {
        this(w, h, biasCol, lambda, -1);
    }

    /** As above; {@code defer} columns of deferred updates (0: immediate; −1: by width, see {@link #DEFER_FROM}). */
    ObsLayer(double[][] w, double[] h, int biasCol, double lambda, int defer) {
        this.rows = w.length;
        this.n = (int) Math.round(Math.sqrt(h.length));
        this.n0 = n;
        if ((long) n * n != h.length) throw new IllegalArgumentException("H is not square");
        this.w = new double[rows][];
        for (int r = 0; r < rows; r++) {
            if (w[r].length != n) throw new IllegalArgumentException("W has " + w[r].length + " columns, H " + n);
            this.w[r] = w[r].clone();
        }
        this.removed = new boolean[n];
        Damped d = damped(h, n, biasCol, lambda);
        this.eps = d.eps();
        this.hinv = d.inverse(); // fresh: no one else holds it
        this.deferCap = defer >= 0 ? defer : n >= DEFER_FROM ? DEFER_COLUMNS : 0;
    }

    /**
     * The damped inverse (H + ε)⁻¹ and the damping ε per column that a solver on H starts from: what the constructor
     * computes, for a solver on the same H to start from without inverting again ({@link #ObsLayer(double[][], Damped)};
     * never modified).
     */
    public record Damped(double[] inverse, double[] eps) {
        public int columns() { return eps.length; }
    }

    /** (H + ε)⁻¹ with ε = λ · mean diag(H) off the bias entry, λ raised ×10 (up to 8 times) until H + ε inverts. */
    public static Damped damped(double[] h, int biasCol, double lambda) {
        int n = (int) Math.round(Math.sqrt(h.length));
        if ((long) n * n != h.length) throw new IllegalArgumentException("H is not square");
        return damped(h, n, biasCol, lambda);
    }

    private static Damped damped(double[] h, int n, int biasCol, double lambda) {
        double mean = 0;
        int cnt = 0;
        for (int i = 0; i < n; i++) if (i != biasCol) {
            mean += h[i * n + i];
            cnt++;
        }
        mean = cnt == 0 ? 1 : mean / cnt;
        if (!(mean > 0)) mean = 1;
        double[] eps = new double[n];
        double[] hd = null;
        double scale = lambda;
        for (int attempt = 0; attempt < 8; attempt++) {
            for (int i = 0; i < n; i++) eps[i] = i == biasCol ? 0 : scale * mean;
            hd = h.clone();
            for (int i = 0; i < n; i++) hd[i * n + i] += eps[i];
            if (biasCol >= 0 && hd[biasCol * n + biasCol] <= 0) hd[biasCol * n + biasCol] = 1;
            if (DenseMath.invertSpd(hd, n)) break;
            hd = null;
            scale = scale == 0 ? 1e-6 : scale * 10;
        }
        if (hd == null) throw new IllegalStateException("input second moments are not positive definite even after damping");
        return new Damped(hd, eps);
    }

    /** A solver on weights {@code w} (copied) starting from an already damped and inverted H (not modified). */
    public ObsLayer(double[][] w, Damped d) {
        this.rows = w.length;
        this.n = d.columns();
        this.n0 = n;
        this.w = new double[rows][];
        for (int r = 0; r < rows; r++) {
            if (w[r].length != n) throw new IllegalArgumentException("W has " + w[r].length + " columns, H " + n);
            this.w[r] = w[r].clone();
        }
        this.removed = new boolean[n];
        this.eps = d.eps();
        this.hinv = d.inverse().clone();
        this.deferCap = n >= DEFER_FROM ? DEFER_COLUMNS : 0;
    }

    public int columns() { return n0; }

    public int rows() { return rows; }

    public boolean isRemoved(int col) {
        int p = orig == null ? col : pos[col];
        return p < 0 || removed[p];
    }

    /** Stored indices of layer columns (not removed). */
    private int[] stored(int[] cols) {
        if (orig == null) return cols;
        int[] c = new int[cols.length];
        for (int i = 0; i < cols.length; i++) {
            c[i] = pos[cols[i]];
            if (c[i] < 0) throw new IllegalArgumentException("column " + cols[i] + " is already removed");
        }
        return c;
    }

    /** Current weights (compensated so far); removed columns are 0. */
    public double[][] weights() {
        // the pending weight updates are applied to the copies (the same arithmetic flush() does), leaving H⁻¹ as it is:
        // a solver whose weights are read last (compensation) never pays for the H⁻¹ downdate
        double[][] c = new double[rows][];
        for (int r = 0; r < rows; r++) c[r] = w[r].clone();
        applyWeightUpdates(c);
        if (orig == null) return c;
        double[][] full = new double[rows][n0];
        for (int r = 0; r < rows; r++) for (int j = 0; j < n; j++) full[r][orig[j]] = c[r][j];
        return full;
    }

    /**
     * Subtracts the pending corrections from weight rows {@code target} (rows × n) and zeroes the removed columns:
     * the arithmetic of one row at a time, four rows per pass over the corrections, rows split over cores when large.
     */
    private void applyWeightUpdates(double[][] target) {
        int k = pending;
        if (k == 0) return;
        int quads = (rows + 3) / 4;
        java.util.function.IntConsumer quad = qd -> {
            int r0 = qd * 4, cnt = Math.min(rows, r0 + 4) - r0;
            double[][] t = new double[4][];
            int[] off = new int[4];
            double[][] c = new double[k][4];
            for (int q = 0; q < cnt; q++) t[q] = target[r0 + q];
            for (int l = 0; l < k; l++) for (int q = 0; q < cnt; q++) c[l][q] = pa[l][r0 + q];
            subtract(t, off, cnt, c, k);
            for (int q = 0; q < cnt; q++) {
                double[] wr = t[q];
                for (int j = 0; j < n; j++) if (removed[j]) wr[j] = 0;
            }
        };
        if ((long) rows * n * k >= PARALLEL_WORK) java.util.stream.IntStream.range(0, quads).parallel().forEach(quad);
        else for (int qd = 0; qd < quads; qd++) quad.accept(qd);
    }

    /**
     * For the {@code cnt} ≤ 4 vectors t[q][off[q] …] of length n: t[q] −= c[l][q] · pp[l] for l = 0 … k−1 in order,
     * skipping zero coefficients, removed columns of an H⁻¹ row set to 0 by the caller afterwards. Each entry gets
     * exactly the operations, in the same order, as a single-vector loop gives it; the four share each read of pp[l].
     */
    private void subtract(double[][] t, int[] off, int cnt, double[][] c, int k) {
        for (int l = 0; l < k; l++) {
            double[] p = pp[l];
            double[] cl = c[l];
            if (cnt == 4 && cl[0] != 0 && cl[1] != 0 && cl[2] != 0 && cl[3] != 0) {
                double[] t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3];
                int o0 = off[0], o1 = off[1], o2 = off[2], o3 = off[3];
                double c0 = cl[0], c1 = cl[1], c2 = cl[2], c3 = cl[3];
                for (int j = 0; j < n; j++) {
                    double pj = p[j];
                    t0[o0 + j] -= c0 * pj;
                    t1[o1 + j] -= c1 * pj;
                    t2[o2 + j] -= c2 * pj;
                    t3[o3 + j] -= c3 * pj;
                }
                continue;
            }
            for (int q = 0; q < cnt; q++) {
                double cq = cl[q];
                if (cq == 0) continue;
                double[] tq = t[q];
                int o = off[q];
                for (int j = 0; j < n; j++) tq[o + j] -= cq * p[j];
            }
        }
    }

    /** Output error (summed over rows) that removing {@code cols} (not yet removed) would add, after compensation. */
    public double deltaE(int[] cols) {
        int b = cols.length;
        if (b == 0) return 0;
        if (deferCap > 0) return deferredDeltaE(stored(cols));
        applyDowndate();
        double[] a = new double[b * b];
        double[] k = new double[b * b];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < b; j++) a[i * b + j] = hinv[cols[i] * n + cols[j]];
        }
        for (int j = 0; j < n; j++) {
            if (eps[j] == 0) continue;
            double e = eps[j];
            for (int i = 0; i < b; i++) {
                double hi = hinv[cols[i] * n + j];
                if (hi == 0) continue;
                for (int l = 0; l < b; l++) k[i * b + l] += e * hi * hinv[j * n + cols[l]];
            }
        }
        for (int i = 0; i < b * b; i++) k[i] = a[i] - k[i];
        return compensatedError(cols, a, k, false);
    }

    /** Removes {@code cols}: compensates the other weights and updates H⁻¹. */
    public void remove(int[] cols) {
        int b = cols.length;
        if (b == 0) return;
        if (deferCap > 0) {
            deferredRemove(cols);
            return;
        }
        applyDowndate();
        double[] m = new double[b * b];
        for (int i = 0; i < b; i++) for (int j = 0; j < b; j++) m[i * b + j] = hinv[cols[i] * n + cols[j]];
        if (!DenseMath.invertSpd(m, b)) throw new IllegalStateException("H⁻¹_QQ is singular");
        // rows of H⁻¹ at Q, premultiplied by M: P = M H⁻¹_Q,:  (b × n)
        double[] p = new double[b * n];
        for (int i = 0; i < b; i++) {
            for (int l = 0; l < b; l++) {
                double mil = m[i * b + l];
                if (mil == 0) continue;
                int off = cols[l] * n;
                for (int j = 0; j < n; j++) p[i * n + j] += mil * hinv[off + j];
            }
        }
        for (int r = 0; r < rows; r++) {
            double[] wr = w[r];
            for (int i = 0; i < b; i++) {
                double wq = wr[cols[i]];
                if (wq == 0) continue;
                for (int j = 0; j < n; j++) wr[j] -= wq * p[i * n + j];
            }
            for (int c : cols) wr[c] = 0;
        }
        for (int c : cols) removed[c] = true;
        // the H⁻¹ downdate waits until H⁻¹ is read again (never, when this was the last removal)
        downCols = cols.clone();
        downP = p;
    }

    /** Columns and P = M H⁻¹_Q,: of an immediate removal whose H⁻¹ downdate is not applied yet (null: none). */
    private int[] downCols;
    private double[] downP;

    /** Applies the pending immediate H⁻¹ downdate (same arithmetic, in the same order, as when it ran at removal). */
    private synchronized void applyDowndate() {
        if (downP == null) return;
        int[] cols = downCols;
        double[] p = downP;
        int b = cols.length;
        downCols = null;
        downP = null;
        // H⁻¹ ← H⁻¹ − H⁻¹_:,Q M H⁻¹_Q,: (rows independent: split over cores for wide layers; each row's arithmetic
        // is the same whichever thread does it, so results do not depend on the thread count)
        java.util.function.IntConsumer row = i -> {
            int off = i * n;
            for (int l = 0; l < b; l++) {
                double hil = hinv[off + cols[l]];
                if (hil == 0) continue;
                for (int j = 0; j < n; j++) hinv[off + j] -= hil * p[l * n + j];
            }
        };
        if ((long) n * n * b >= PARALLEL_WORK) java.util.stream.IntStream.range(0, n).parallel().forEach(row);
        else for (int i = 0; i < n; i++) row.accept(i);
        for (int c : cols) {
            for (int j = 0; j < n; j++) {
                hinv[c * n + j] = 0;
                hinv[j * n + c] = 0;
            }
        }
    }

    /** Row q of the current H⁻¹ (base minus the pending corrections; removed columns 0). */
    private double[] currentRow(int q) {
        double[] r = java.util.Arrays.copyOfRange(hinv, q * n, q * n + n);
        for (int l = 0; l < pending; l++) {
            double c = pu[l][q];
            if (c == 0) continue;
            double[] p = pp[l];
            for (int j = 0; j < n; j++) r[j] -= c * p[j];
        }
        for (int j = 0; j < n; j++) if (removed[j]) r[j] = 0;
        return r;
    }

    /**
     * Current weights of column c over all rows: w[r][c] minus the pending corrections in order (as one entry at a time
     * would compute them, l ascending), run along the contiguous per-removal row vectors.
     */
    private double[] currentColumn(int c) {
        double[] v = new double[rows];
        if (removed[c]) return v;
        for (int r = 0; r < rows; r++) v[r] = w[r][c];
        for (int l = 0; l < pending; l++) {
            double[] a = pa[l];
            double q = pp[l][c];
            for (int r = 0; r < rows; r++) v[r] -= a[r] * q;
        }
        return v;
    }

    private double deferredDeltaE(int[] cols) {
        int b = cols.length;
        double[][] hr = new double[b][];
        for (int i = 0; i < b; i++) hr[i] = currentRow(cols[i]);
        double[] a = new double[b * b];
        double[] k = new double[b * b];
        for (int i = 0; i < b; i++) for (int j = 0; j < b; j++) a[i * b + j] = hr[i][cols[j]];
        for (int j = 0; j < n; j++) {
            if (eps[j] == 0) continue;
            double e = eps[j];
            for (int i = 0; i < b; i++) {
                double hi = hr[i][j];
                if (hi == 0) continue;
                for (int l = 0; l < b; l++) k[i * b + l] += e * hi * hr[l][j];
            }
        }
        for (int i = 0; i < b * b; i++) k[i] = a[i] - k[i];
        return compensatedError(cols, a, k, true);
    }

    /**
     * Σ over rows of vᵀ K v with v = A⁻¹ w_q: the error removing {@code cols} adds after compensation, given their
     * block A of H⁻¹ and K = A − (the block's ε-weighted part). {@code deferred}: read the weights with the pending
     * (not yet applied) removals taken into account.
     */
    private double compensatedError(int[] cols, double[] a, double[] k, boolean deferred) {
        int b = cols.length;
        double[] m = a.clone();
        if (!DenseMath.invertSpd(m, b)) return Double.POSITIVE_INFINITY;
        double total = 0;
        double[][] col = null;
        if (deferred) {
            col = new double[b][];
            for (int i = 0; i < b; i++) col[i] = currentColumn(cols[i]);
        }
        double[] wq = new double[b], v = new double[b];
        for (int r = 0; r < rows; r++) {
            boolean any = false;
            for (int i = 0; i < b; i++) {
                wq[i] = (deferred ? col[i][r] : w[r][cols[i]]);
                any |= wq[i] != 0;
            }
            if (!any) continue;
            for (int i = 0; i < b; i++) {
                double s = 0;
                for (int j = 0; j < b; j++) s += m[i * b + j] * wq[j];
                v[i] = s;
            }
            for (int i = 0; i < b; i++) {
                double s = 0;
                for (int j = 0; j < b; j++) s += k[i * b + j] * v[j];
                total += v[i] * s;
            }
        }
        return Math.max(0, total);
    }

    private void deferredRemove(int[] cols) {
        int b = cols.length;
        if (pending + b > Math.max(deferCap, b)) flush();
        cols = stored(cols); // after the flush (which may drop removed columns)
        double[][] hr = new double[b][];
        for (int i = 0; i < b; i++) hr[i] = currentRow(cols[i]);
        double[] m = new double[b * b];
        for (int i = 0; i < b; i++) for (int j = 0; j < b; j++) m[i * b + j] = hr[i][cols[j]];
        if (!DenseMath.invertSpd(m, b)) throw new IllegalStateException("H⁻¹_QQ is singular");
        double[][] p = new double[b][n];
        // P = M H⁻¹_Q,: four rows of P per pass over H⁻¹_Q,: (each entry summed over l in increasing order, as one row
        // at a time does; a zero term adds +0 to a sum that starts at +0, so including it changes no bit)
        int quads = (b + 3) / 4;
        java.util.function.IntConsumer quad = qd -> {
            int i0 = qd * 4;
            if (i0 + 4 > b) {
                for (int i = i0; i < b; i++) {
                    double[] pi = p[i];
                    for (int l = 0; l < b; l++) {
                        double mil = m[i * b + l];
                        if (mil == 0) continue;
                        double[] h = hr[l];
                        for (int j = 0; j < n; j++) pi[j] += mil * h[j];
                    }
                }
                return;
            }
            double[] p0 = p[i0], p1 = p[i0 + 1], p2 = p[i0 + 2], p3 = p[i0 + 3];
            for (int l = 0; l < b; l++) {
                double m0 = m[i0 * b + l], m1 = m[(i0 + 1) * b + l], m2 = m[(i0 + 2) * b + l], m3 = m[(i0 + 3) * b + l];
                double[] h = hr[l];
                for (int j = 0; j < n; j++) {
                    double hj = h[j];
                    p0[j] += m0 * hj;
                    p1[j] += m1 * hj;
                    p2[j] += m2 * hj;
                    p3[j] += m3 * hj;
                }
            }
        };
        if ((long) b * b * n >= PARALLEL_WORK) java.util.stream.IntStream.range(0, quads).parallel().forEach(quad);
        else for (int qd = 0; qd < quads; qd++) quad.accept(qd);
        double[][] a = new double[b][];
        for (int i = 0; i < b; i++) a[i] = currentColumn(cols[i]);
        if (pending + b > pu.length) {
            int cap = Math.max(pending + b, Math.max(deferCap, 2 * pu.length));
            pu = java.util.Arrays.copyOf(pu, cap);
            pp = java.util.Arrays.copyOf(pp, cap);
            pa = java.util.Arrays.copyOf(pa, cap);
        }
        for (int i = 0; i < b; i++) {
            pu[pending] = hr[i];
            pp[pending] = p[i];
            pa[pending] = a[i];
            pending++;
        }
        for (int c : cols) removed[c] = true;
    }

    /**
     * Applies the pending updates: the immediate H⁻¹ downdate, or the deferred H⁻¹ and weight updates in one pass
     * (rows split over cores).
     */
    @Override
    public void flush() {
        applyDowndate();
        if (pending == 0) return;
        int k = pending;
        // H⁻¹ rows (removed ones become 0), four per task, tasks split over cores on wide layers
        int quads = (n + 3) / 4;
        java.util.function.IntConsumer quad = qd -> {
            int i0 = qd * 4, i1 = Math.min(n, i0 + 4);
            double[][] t = new double[4][];
            int[] off = new int[4];
            double[][] c = new double[k][4];
            int cnt = 0;
            int[] who = new int[4];
            for (int i = i0; i < i1; i++) {
                if (removed[i]) {
                    java.util.Arrays.fill(hinv, i * n, i * n + n, 0);
                    continue;
                }
                t[cnt] = hinv;
                off[cnt] = i * n;
                who[cnt++] = i;
            }
            for (int l = 0; l < k; l++) for (int q = 0; q < cnt; q++) c[l][q] = pu[l][who[q]];
            subtract(t, off, cnt, c, k);
            for (int q = 0; q < cnt; q++) for (int j = 0; j < n; j++) if (removed[j]) hinv[off[q] + j] = 0;
        };
        if ((long) n * n * k >= PARALLEL_WORK) java.util.stream.IntStream.range(0, quads).parallel().forEach(quad);
        else for (int qd = 0; qd < quads; qd++) quad.accept(qd);
        applyWeightUpdates(w);
        for (int l = 0; l < k; l++) {
            pu[l] = null;
            pp[l] = null;
            pa[l] = null;
        }
        pending = 0;
        int alive = 0;
        for (boolean r : removed) if (!r) alive++;
        if (compacting && alive <= n - Math.max(8, n / 4)) compact(alive);
    }

    private boolean compacting = true;

    /** Keeps every column stored (tests: the same results as with compaction, bit for bit). */
    ObsLayer withoutCompaction() {
        compacting = false;
        return this;
    }

    /** Drops the removed columns from H⁻¹, the weights and ε (no pending updates). */
    private void compact(int alive) {
        int[] keep = new int[alive];
        int m = 0;
        for (int j = 0; j < n; j++) if (!removed[j]) keep[m++] = j;
        double[] h = new double[alive * alive];
        for (int a = 0; a < alive; a++) {
            int o = keep[a] * n;
            for (int b = 0; b < alive; b++) h[a * alive + b] = hinv[o + keep[b]];
        }
        for (int r = 0; r < rows; r++) {
            double[] wr = w[r], nw = new double[alive];
            for (int a = 0; a < alive; a++) nw[a] = wr[keep[a]];
            w[r] = nw;
        }
        double[] e = new double[alive];
        int[] o2 = new int[alive];
        int[] p2 = new int[n0];
        java.util.Arrays.fill(p2, -1);
        for (int a = 0; a < alive; a++) {
            e[a] = eps[keep[a]];
            o2[a] = orig == null ? keep[a] : orig[keep[a]];
            p2[o2[a]] = a;
        }
        hinv = h;
        eps = e;
        removed = new boolean[alive];
        orig = o2;
        pos = p2;
        n = alive;
    }

    @Override
    public String toString() { return "ObsLayer[" + rows + "x" + n0 + ", removed " + countRemoved() + "]"; }

    private int countRemoved() {
        int c = n0 - n;
        for (boolean r : removed) if (r) c++;
        return c;
    }

    static double[] identity(int n) {
        double[] h = new double[n * n];
        for (int i = 0; i < n; i++) h[i * n + i] = 1;
        return h;
    }

    static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
