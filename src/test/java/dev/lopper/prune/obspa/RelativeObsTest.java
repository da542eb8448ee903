package dev.lopper.prune.obspa;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** OBSPA's relative units: each consumer row divided by √(R · Var[y_r]). */
class RelativeObsTest {
    /** H = E[xxᵀ] of x ~ (0, C) with C = [[4, 1.2, 0], [1.2, 1, 0.3], [0, 0.3, 9]]. */
    static final double[] COV = {4, 1.2, 0, 1.2, 1, 0.3, 0, 0.3, 9};

    @Test
    void removingEveryColumnOfAZeroMeanLayerWithoutBiasCostsExactlyOne() {
        InputMoments im = new InputMoments(3, new double[3], COV.clone(), null, "t");
        double[][] w = {{1, -2, 0.5}, {0.1, 3, -1}};
        double[][] m = {w[0].clone(), w[1].clone()};
        ObspaLayers.normalizeRows(m, 0, 2, im, 2);
        // Var[y_0] = w_0 C w_0ᵀ = 4 + 4 + 2.25 + 2·(1·(−2)·1.2 + (−2)·0.5·0.3) = 4.85
        double v0 = 4 * 1 + 1 * 4 + 9 * 0.25 + 2 * (1 * -2 * 1.2 + -2 * 0.5 * 0.3);
        assertEquals(4.85, v0, 1e-12);
        assertEquals(1 / Math.sqrt(2 * v0), m[0][0] / w[0][0], 1e-12);
        ObsLayer all = new ObsLayer(m, im.hessian(false), -1, 0);
        // every output lost: each row's error is its whole variance, relative error 1, mean over rows 1
        assertEquals(1.0, all.deltaE(new int[] {0, 1, 2}), 1e-9);
        // one column: the unscaled OBS cost divided row by row
        ObsLayer raw = new ObsLayer(w, im.hessian(false), -1, 0);
        double v1 = 0;
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) v1 += w[1][i] * COV[i * 3 + j] * w[1][j];
        ObsLayer one0 = new ObsLayer(new double[][] {w[0]}, im.hessian(false), -1, 0);
        ObsLayer one1 = new ObsLayer(new double[][] {w[1]}, im.hessian(false), -1, 0);
        double expected = one0.deltaE(new int[] {2}) / (2 * v0) + one1.deltaE(new int[] {2}) / (2 * v1);
        assertEquals(expected, new ObsLayer(m, im.hessian(false), -1, 0).deltaE(new int[] {2}), 1e-12);
        // the compensated weights are the unscaled ones, scaled: compensation is row-wise
        ObsLayer a = new ObsLayer(m, im.hessian(false), -1, 0);
        a.remove(new int[] {1});
        raw.remove(new int[] {1});
        assertEquals(raw.weights()[1][2] / Math.sqrt(2 * v1), a.weights()[1][2], 1e-12);
    }

    @Test
    void aDeadRowUsesTheFloorInsteadOfDividingByZero() {
        InputMoments im = new InputMoments(3, new double[3], COV.clone(), null, "t");
        double[][] m = {{1, 0, 0}, {0, 0, 0}};
        ObspaLayers.normalizeRows(m, 0, 2, im, 2);
        assertEquals(1 / Math.sqrt(2 * 4), m[0][0], 1e-12);
        assertEquals(0, m[1][0]);
    }
}
