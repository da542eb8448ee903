package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.BitSet;

import org.junit.jupiter.api.Test;

import dev.lopper.eval.ChannelStats;

class ObsCompensationTest {
    static ChannelStats stats(double[] mean, double[] second) {
        int c = mean.length;
        double[] sq = new double[c];
        for (int i = 0; i < c; i++) sq[i] = second[i * c + i];
        return new ChannelStats("x", 1, c, 100, mean, mean, new double[c], sq, second);
    }

    @Test
    void aDuplicateChannelMovesIntoItsTwin() {
        // x1 = x0: removing x1 from y = 2·x0 + 3·x1 leaves y = 5·x0
        float[] w = {2, 3};
        BitSet q = new BitSet();
        q.set(1);
        ObsCompensation.apply(w, 1, 2, 1, null, q, stats(new double[] {0, 0}, new double[] {1, 1, 1, 1}), 1e-7);
        assertEquals(5, w[0], 1e-3);
    }

    @Test
    void aConstantChannelMovesIntoTheBias() {
        // x1 ≡ 2, x0 independent with mean 0: removing x1 from y = 2·x0 + 3·x1 + 1 gives y = 2·x0 + 7
        float[] w = {2, 3}, b = {1};
        BitSet q = new BitSet();
        q.set(1);
        ObsCompensation.apply(w, 1, 2, 1, b, q, stats(new double[] {0, 2}, new double[] {1, 0, 0, 4}), 1e-7);
        assertEquals(2, w[0], 1e-3);
        assertEquals(7, b[0], 1e-3);
    }

    @Test
    void independentZeroMeanChannelsNeedNoCompensationAndTapsAreRows() {
        // W [2 outputs, 3 channels, 2 taps]; uncorrelated zero-mean inputs: the survivors keep their weights
        float[] w = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        float[] before = w.clone();
        BitSet q = new BitSet();
        q.set(0);
        ObsCompensation.apply(w, 2, 3, 2, null, q, stats(new double[] {0, 0, 0}, new double[] {1, 0, 0, 0, 2, 0, 0, 0, 3}), 0);
        for (int i = 0; i < w.length; i++) if (i % 6 >= 2) assertEquals(before[i], w[i], 1e-6);
    }

    @Test
    void inverseOfSpd() {
        double[][] inv = ObsCompensation.invertSpd(new double[][] {{4, 2}, {2, 3}});
        // det 8: [[3, -2], [-2, 4]] / 8
        assertArrayEquals(new double[] {3 / 8.0, -2 / 8.0}, inv[0], 1e-12);
        assertArrayEquals(new double[] {-2 / 8.0, 4 / 8.0}, inv[1], 1e-12);
    }
}
