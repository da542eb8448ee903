package dev.lopper.prune.obspa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;


class ObsLayerTest {
    /** Random SPD second-moment matrix of n features from m samples (last feature = 1 when bias). */
    private static double[] moments(Random r, int n, int m, boolean bias) {
        double[] h = new double[n * n];
        for (int s = 0; s < m; s++) {
            double[] x = new double[n];
            for (int i = 0; i < n; i++) x[i] = r.nextGaussian() + 0.3 * i;
            x[1] += 0.8 * x[0];   // correlated features
            if (bias) x[n - 1] = 1;
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) h[i * n + j] += x[i] * x[j] / m;
        }
        return h;
    }

    private static double[] solve(double[] a, int n, double[] b) {
        double[] inv = a.clone();
        assertTrue(DenseMath.invertSpd(inv, n));
        double[] x = new double[n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) x[i] += inv[i * n + j] * b[j];
        return x;
    }

    @Test
    void removalEqualsTheLeastSquaresRefitOfTheKeptColumns() {
        Random r = new Random(1);
        int n = 6, rows = 3;
        double[] h = moments(r, n, 500, true);
        double[][] w = new double[rows][n];
        for (double[] row : w) for (int j = 0; j < n; j++) row[j] = r.nextGaussian();
        ObsLayer layer = new ObsLayer(w, h, n - 1, 0);
        int[] q = {1, 3};
        double predicted = layer.deltaE(q);
        layer.remove(q);
        double[][] got = layer.weights();
        int[] keep = {0, 2, 4, 5};
        int k = keep.length;
        double[] hkk = new double[k * k];
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) hkk[i * k + j] = h[keep[i] * n + keep[j]];
        double err = 0;
        for (int o = 0; o < rows; o++) {
            // normal equations: W'_K H_KK = W H_{:,K}
            double[] rhs = new double[k];
            for (int j = 0; j < k; j++) for (int i = 0; i < n; i++) rhs[j] += w[o][i] * h[i * n + keep[j]];
            double[] ls = solve(hkk, k, rhs);
            for (int j = 0; j < k; j++) assertEquals(ls[j], got[o][keep[j]], 1e-9);
            for (int c : q) assertEquals(0.0, got[o][c]);
            double[] d = new double[n];
            for (int i = 0; i < n; i++) d[i] = got[o][i] - w[o][i];
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) err += d[i] * h[i * n + j] * d[j];
        }
        assertEquals(err, predicted, 1e-9 * Math.max(1, err), "ΔE predicted before removal = true error after");
    }

    @Test
    void greedyStepsAddUpToTheJointRemoval() {
        Random r = new Random(2);
        int n = 5;
        double[] h = moments(r, n, 300, false);
        double[][] w = {{1, -2, 0.5, 0.3, 1}, {0.2, 0.1, -1, 2, 0.4}};
        ObsLayer a = new ObsLayer(w, h, -1, 0), b = new ObsLayer(w, h, -1, 0);
        double joint = a.deltaE(new int[] {0, 2});
        double step = b.deltaE(new int[] {0});
        b.remove(new int[] {0});
        step += b.deltaE(new int[] {2});
        assertEquals(joint, step, 1e-9 * joint);
    }

    @Test
    void dampedSolutionIsScoredUnderTheTrueH() {
        // a constant feature (zero variance) with a bias: removing it costs exactly 0 even with damping
        int n = 3;
        double mu = 0.7;
        double[] h = {1 + 0.1, 0.2 * mu, 0.2, 0.2 * mu, mu * mu, mu, 0.2, mu, 1};
        // features: x0 (mean 0.2, var 1), x1 ≡ 0.7, bias
        h[0] = 1 + 0.04;
        ObsLayer layer = new ObsLayer(new double[][] {{0.5, 2.0, 0.1}}, h, 2, 0.01);
        assertEquals(0.0, layer.deltaE(new int[] {1}), 1e-12);
        assertTrue(layer.deltaE(new int[] {0}) > 0.2);
        layer.remove(new int[] {1});
        assertEquals(0.1 + 2.0 * mu, layer.weights()[0][2], 1e-12, "the bias absorbs w·μ");
    }

    @Test
    void gaussianMomentsOfReluAndMax() {
        double[] relu = GaussianMoments.relu(0.3, 2.0);
        double[] num = GaussianMoments.of(x -> Math.max(0, x), 0.3, 2.0);
        assertEquals(relu[0], num[0], 1e-5);
        assertEquals(relu[1], num[1], 1e-5);   // Simpson over the kink
        double[] std = GaussianMoments.relu(0, 1);
        assertEquals(1 / Math.sqrt(2 * Math.PI), std[0], 1e-7);
        assertEquals(0.5 - 1 / (2 * Math.PI), std[1], 1e-7);   // erf approximation: 1.2e-7
        double[] max2 = GaussianMoments.maxOf(2, 0, 1);
        assertEquals(1 / Math.sqrt(Math.PI), max2[0], 1e-6);
        assertEquals(1 - 1 / Math.PI, max2[1], 1e-6);
        assertEquals(0.6826894921, GaussianMoments.erf(1 / Math.sqrt(2)), 1e-6);
    }

    // ---- cases carried over from the removed prune.ObsCompensation (same inputs, same expected numbers) ----

    @Test
    void aDuplicateChannelMovesIntoItsTwin() {
        // x1 = x0: removing x1 from y = 2·x0 + 3·x1 leaves y = 5·x0
        ObsLayer layer = new ObsLayer(new double[][] {{2, 3}}, new double[] {1, 1, 1, 1}, -1, 1e-7);
        layer.remove(new int[] {1});
        assertEquals(5, layer.weights()[0][0], 1e-3);
        assertEquals(0, layer.weights()[0][1]);
    }

    @Test
    void aConstantChannelMovesIntoTheBias() {
        // x1 ≡ 2, x0 independent with mean 0: removing x1 from y = 2·x0 + 3·x1 + 1 gives y = 2·x0 + 7
        double[] h = {1, 0, 0, 0, 4, 2, 0, 2, 1};   // features x0, x1, bias
        ObsLayer layer = new ObsLayer(new double[][] {{2, 3, 1}}, h, 2, 1e-7);
        assertEquals(0.0, layer.deltaE(new int[] {1}), 1e-6);
        layer.remove(new int[] {1});
        assertEquals(2, layer.weights()[0][0], 1e-3);
        assertEquals(7, layer.weights()[0][2], 1e-3);
    }

    @Test
    void independentZeroMeanChannelsNeedNoCompensation() {
        // 4 rows (a Conv's 2 outputs × 2 taps), 3 uncorrelated zero-mean channels: the survivors keep their weights
        double[][] w = {{1, 3, 5}, {2, 4, 6}, {7, 9, 11}, {8, 10, 12}};
        ObsLayer layer = new ObsLayer(w, new double[] {1, 0, 0, 0, 2, 0, 0, 0, 3}, -1, 0);
        assertEquals(1 + 4 + 49 + 64, layer.deltaE(new int[] {0}), 1e-9, "ΔE = Σ w_0² H_00");
        layer.remove(new int[] {0});
        double[][] got = layer.weights();
        for (int r = 0; r < w.length; r++) {
            assertEquals(0, got[r][0]);
            for (int c = 1; c < 3; c++) assertEquals(w[r][c], got[r][c], 1e-12);
        }
    }

    @Test
    void inverseOfSpd() {
        double[] a = {4, 2, 2, 3};
        assertTrue(DenseMath.invertSpd(a, 2));
        // det 8: [[3, -2], [-2, 4]] / 8
        assertEquals(3 / 8.0, a[0], 1e-12);
        assertEquals(-2 / 8.0, a[1], 1e-12);
        assertEquals(-2 / 8.0, a[2], 1e-12);
        assertEquals(4 / 8.0, a[3], 1e-12);
    }

    @Test
    void groupedConvIsOneLeastSquaresProblemPerGroup() {
        Random r = new Random(17);
        int n = 5, rows = 2;
        double[] h0 = moments(r, n, 400, true), h1 = moments(r, n, 400, true);
        double[][] w = new double[2 * rows][n];
        for (double[] row : w) for (int j = 0; j < n; j++) row[j] = r.nextGaussian();
        ObsLayer a = new ObsLayer(new double[][] {w[0], w[1]}, h0, n - 1, 0);
        ObsLayer b = new ObsLayer(new double[][] {w[2], w[3]}, h1, n - 1, 0);
        GroupedObs g = new GroupedObs(new ObsSolver[] {new ObsLayer(new double[][] {w[0], w[1]}, h0, n - 1, 0),
                new ObsLayer(new double[][] {w[2], w[3]}, h1, n - 1, 0)}, rows, n);
        int[] q = {1, 2};
        assertEquals(a.deltaE(q) + b.deltaE(q), g.deltaE(q), 1e-12);
        a.remove(q);
        b.remove(q);
        g.remove(q);
        double[][] got = g.weights(), wa = a.weights(), wb = b.weights();
        for (int j = 0; j < n; j++) {
            assertEquals(wa[0][j], got[0][j], 1e-12);
            assertEquals(wa[1][j], got[1][j], 1e-12);
            assertEquals(wb[0][j], got[2][j], 1e-12);
            assertEquals(wb[1][j], got[3][j], 1e-12);
        }
        assertTrue(Math.abs(wa[0][0] - wb[0][0]) > 0 || Math.abs(wa[0][3] - w[0][3]) > 1e-6, "the groups moved differently");
    }
}
