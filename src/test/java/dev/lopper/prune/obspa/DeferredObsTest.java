package dev.lopper.prune.obspa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The fast paths of the OBS solver (row-wise inverse, deferred blocked downdates) against the textbook ones. */
class DeferredObsTest {
    /** Correlated second moments E[x̃x̃ᵀ] of f features (+ the constant 1 last) from m samples of a low-rank mix. */
    private static double[] moments(Random r, int f, int m) {
        int n = f + 1, k = 12;
        double[][] mix = new double[f][k];
        for (double[] row : mix) for (int j = 0; j < k; j++) row[j] = r.nextGaussian();
        double[] h = new double[n * n];
        double[] x = new double[n];
        double[] z = new double[k];
        for (int s = 0; s < m; s++) {
            for (int j = 0; j < k; j++) z[j] = r.nextGaussian();
            for (int i = 0; i < f; i++) {
                double v = 0.5 * r.nextGaussian() + 0.1 * (i % 7);
                for (int j = 0; j < k; j++) v += mix[i][j] * z[j];
                x[i] = Math.max(0, v);   // ReLU-like: nonnegative, some dead
            }
            x[f] = 1;
            for (int i = 0; i < n; i++) {
                if (x[i] == 0) continue;
                for (int j = 0; j < n; j++) h[i * n + j] += x[i] * x[j] / m;
            }
        }
        return h;
    }

    /** The textbook column-order inverse (L⁻¹ by columns, then L⁻ᵀL⁻¹), as DenseMath computed it before. */
    private static boolean textbookInverse(double[] a, int n) {
        double[] l = new double[n * n];
        for (int j = 0; j < n; j++) {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
            if (!(d > 1e-300) || Double.isInfinite(d)) return false;
            double ljj = Math.sqrt(d);
            l[j * n + j] = ljj;
            for (int i = j + 1; i < n; i++) {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
                l[i * n + j] = s / ljj;
            }
        }
        double[] li = new double[n * n];
        for (int i = 0; i < n; i++) {
            li[i * n + i] = 1 / l[i * n + i];
            for (int j = 0; j < i; j++) {
                double s = 0;
                for (int k = j; k < i; k++) s += l[i * n + k] * li[k * n + j];
                li[i * n + j] = -s / l[i * n + i];
            }
        }
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

    @Test
    void rowWiseInverseHasTheTextbookBits() {
        Random r = new Random(7);
        // 300 columns: the blocked, multi-threaded path (≥ 256) with a partial last block
        double[] h = moments(r, 299, 400);
        int n = 300;
        for (int i = 0; i < n - 1; i++) h[i * n + i] += 0.01;
        double[] fast = h.clone(), ref = h.clone();
        assertTrue(DenseMath.invertSpd(fast, n));
        assertTrue(textbookInverse(ref, n));
        assertArrayEquals(ref, fast, 0.0);
        // and it is an inverse
        double worst = 0;
        for (int i = 0; i < n; i += 10) for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += h[i * n + k] * fast[k * n + j];
            worst = Math.max(worst, Math.abs(s - (i == j ? 1 : 0)));
        }
        assertTrue(worst < 1e-8, "‖H H⁻¹ − I‖∞ = " + worst);
    }

    /** Greedy removal as ObspaCriterion does it: blocks of {@code block} channels of {@code width} columns each. */
    private static List<Object> greedy(ObsLayer layer, int channels, int width, int block, List<Double> costs) {
        List<Object> order = new ArrayList<>();
        boolean[] gone = new boolean[channels];
        int left = channels;
        while (left > 0) {
            int take = Math.min(block, left);
            double[] d = new double[channels];
            List<Integer> alive = new ArrayList<>();
            for (int c = 0; c < channels; c++) if (!gone[c]) {
                d[c] = layer.deltaE(cols(c, width));
                alive.add(c);
            }
            alive.sort((a, b) -> d[a] != d[b] ? Double.compare(d[a], d[b]) : Integer.compare(b, a));
            for (int i = 0; i < take; i++) {
                int c = alive.get(i);
                costs.add(i == 0 ? d[c] : layer.deltaE(cols(c, width)));
                layer.remove(cols(c, width));
                order.add(c);
                gone[c] = true;
                left--;
            }
            layer.flush();
        }
        return order;
    }

    private static int[] cols(int c, int width) {
        int[] q = new int[width];
        for (int t = 0; t < width; t++) q[t] = c * width + t;
        return q;
    }

    private void deferredEqualsImmediate(int channels, int width, int defer) {
        Random r = new Random(11 + width);
        int f = channels * width, n = f + 1, rows = 48;
        double[] h = moments(r, f, 600);
        double[][] w = new double[rows][n];
        for (double[] row : w) for (int j = 0; j < n; j++) row[j] = r.nextGaussian() * (1 + (j % 5));
        ObsLayer exact = new ObsLayer(w, h, f, ObsLayer.DEFAULT_DAMPING, 0);
        ObsLayer fast = new ObsLayer(w, h, f, ObsLayer.DEFAULT_DAMPING, defer);
        List<Double> ce = new ArrayList<>(), cf = new ArrayList<>();
        // stop short of the last channels (the layer then keeps something to compare)
        int block = Math.max(1, channels / 16);
        List<Object> oe = greedy(exact, channels, width, block, ce);
        List<Object> of = greedy(fast, channels, width, block, cf);
        assertEquals(oe, of, "the deferred solver removes the channels in the same order");
        for (int i = 0; i < ce.size(); i++) {
            double tol = 1e-9 * Math.max(Math.abs(ce.get(i)), 1e-12 * ce.get(ce.size() - 1));
            assertEquals(ce.get(i), cf.get(i), tol, "cost of removal " + i);
        }
    }

    @Test
    void deferredDowndatesMatchImmediateOnes() {
        // 300 single-column channels (a 1×1 conv / Gemm), updates applied 32 columns at a time
        deferredEqualsImmediate(300, 1, 32);
        // 60 channels of 9 taps (a 3×3 conv), 27 columns at a time: flushes inside and across greedy blocks
        deferredEqualsImmediate(60, 9, 27);
    }

    @Test
    void deferredWeightsMatchImmediateOnesAfterPartialRemoval() {
        Random r = new Random(5);
        int f = 200, n = f + 1, rows = 30;
        double[] h = moments(r, f, 500);
        double[][] w = new double[rows][n];
        for (double[] row : w) for (int j = 0; j < n; j++) row[j] = r.nextGaussian();
        ObsLayer exact = new ObsLayer(w, h, f, ObsLayer.DEFAULT_DAMPING, 0);
        ObsLayer fast = new ObsLayer(w, h, f, ObsLayer.DEFAULT_DAMPING, 16);
        for (int c = 0; c < 90; c++) {
            int[] q = {(c * 37) % f};
            if (exact.isRemoved(q[0])) continue;
            exact.remove(q);
            fast.remove(q);
        }
        double[][] we = exact.weights(), wf = fast.weights();
        double scale = 0;
        for (double[] row : we) for (double v : row) scale = Math.max(scale, Math.abs(v));
        for (int o = 0; o < rows; o++) for (int j = 0; j < n; j++) {
            if (exact.isRemoved(j)) assertEquals(0.0, wf[o][j]);
            else assertEquals(we[o][j], wf[o][j], 1e-10 * scale, "w[" + o + "][" + j + "]");
        }
        // the remaining costs agree too
        for (int j = 0; j < f; j += 7) if (!exact.isRemoved(j)) {
            double e = exact.deltaE(new int[] {j});
            assertEquals(e, fast.deltaE(new int[] {j}), 1e-9 * Math.max(e, 1e-300));
        }
    }

    @Test
    void aSolverFromAKeptInverseIsTheSameSolverAndLeavesItAlone() {
        Random r = new Random(3);
        int f = 400, n = f + 1, rows = 20;   // wide enough for the deferred updates
        double[] h = moments(r, f, 500);
        double[][] w = new double[rows][n];
        for (double[] row : w) for (int j = 0; j < n; j++) row[j] = r.nextGaussian();
        ObsLayer.Damped d = ObsLayer.damped(h, f, ObsLayer.DEFAULT_DAMPING);
        double[] kept = d.inverse().clone();
        ObsLayer fresh = new ObsLayer(w, h, f, ObsLayer.DEFAULT_DAMPING);
        ObsLayer reused = new ObsLayer(w, d);
        for (int c = 0; c < 150; c++) {
            int[] q = {(c * 53) % f};
            if (fresh.isRemoved(q[0])) continue;
            assertEquals(fresh.deltaE(q), reused.deltaE(q), 0.0, "cost of column " + q[0]);
            fresh.remove(q);
            reused.remove(q);
        }
        double[][] wf = fresh.weights(), wr = reused.weights();
        for (int o = 0; o < rows; o++) assertArrayEquals(wf[o], wr[o], 0.0);
        assertArrayEquals(kept, d.inverse(), 0.0, "the kept inverse is not modified");
        assertTrue(wf[0][(53) % f] == 0 && wf[0][0] == 0, "removed columns are 0");
    }

    @Test
    void droppingRemovedColumnsChangesNoBit() {
        Random r = new Random(17);
        int channels = 50, width = 9, f = channels * width, n = f + 1, rows = 24;
        double[] h = moments(r, f, 600);
        double[][] w = new double[rows][n];
        for (double[] row : w) for (int j = 0; j < n; j++) row[j] = r.nextGaussian();
        ObsLayer compacted = new ObsLayer(w, h, f, ObsLayer.DEFAULT_DAMPING, 27);
        ObsLayer whole = new ObsLayer(w, h, f, ObsLayer.DEFAULT_DAMPING, 27).withoutCompaction();
        List<Double> cc = new ArrayList<>(), cw = new ArrayList<>();
        // partway (40 of 50 channels, several compactions), then the weights
        List<Object> oc = greedyPart(compacted, channels, width, 3, 40, cc);
        List<Object> ow = greedyPart(whole, channels, width, 3, 40, cw);
        assertEquals(ow, oc);
        for (int i = 0; i < cw.size(); i++) assertEquals(cw.get(i), cc.get(i), 0.0, "cost of removal " + i);
        double[][] a = whole.weights(), b = compacted.weights();
        for (int o = 0; o < rows; o++) assertArrayEquals(a[o], b[o], 0.0);
        for (int j = 0; j < n; j++) assertEquals(whole.isRemoved(j), compacted.isRemoved(j), "column " + j);
        assertTrue(compacted.toString().contains("removed 360"), compacted.toString());
    }

    /** As {@link #greedy} but stops after {@code stop} channels. */
    private static List<Object> greedyPart(ObsLayer layer, int channels, int width, int block, int stop, List<Double> costs) {
        List<Object> order = new ArrayList<>();
        boolean[] gone = new boolean[channels];
        while (order.size() < stop) {
            double[] d = new double[channels];
            List<Integer> alive = new ArrayList<>();
            for (int c = 0; c < channels; c++) if (!gone[c]) {
                d[c] = layer.deltaE(cols(c, width));
                alive.add(c);
            }
            alive.sort((x, y) -> d[x] != d[y] ? Double.compare(d[x], d[y]) : Integer.compare(y, x));
            for (int i = 0; i < Math.min(block, stop - order.size()); i++) {
                int c = alive.get(i);
                costs.add(i == 0 ? d[c] : layer.deltaE(cols(c, width)));
                layer.remove(cols(c, width));
                order.add(c);
                gone[c] = true;
            }
            layer.flush();
        }
        return order;
    }
}
