package dev.lopper.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** Row-weighted channel statistics: a position with integer weight k counts as k copies of it. */
class WeightedChannelStatsTest {
    @Test
    void anIntegerWeightIsThatManyCopies() {
        Random r = new Random(3);
        int rows = 7, c = 5;
        int[] k = {1, 3, 2, 1, 4, 1, 2};
        float[] v = new float[rows * c];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian() * (i % 3 == 0 ? 0 : 1); // some exact zeros
        ChannelStatsAccumulator weighted = new ChannelStatsAccumulator("h", -1, true);
        double[] w = new double[rows];
        for (int i = 0; i < rows; i++) w[i] = k[i];
        // two batches: the weights go with their rows
        weighted.add(HostTensor.ofFloats(new long[] {1, 3, c}, java.util.Arrays.copyOfRange(v, 0, 3 * c)), java.util.Arrays.copyOfRange(w, 0, 3));
        weighted.add(HostTensor.ofFloats(new long[] {1, 4, c}, java.util.Arrays.copyOfRange(v, 3 * c, 7 * c)), java.util.Arrays.copyOfRange(w, 3, 7));
        int copies = 0;
        for (int x : k) copies += x;
        float[] rep = new float[copies * c];
        int at = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < k[i]; j++) {
                System.arraycopy(v, i * c, rep, at, c);
                at += c;
            }
        }
        ChannelStatsAccumulator repeated = new ChannelStatsAccumulator("h", -1, true);
        repeated.add(HostTensor.ofFloats(new long[] {copies, c}, rep));
        ChannelStats a = weighted.result(), b = repeated.result();
        assertEquals(rows, a.count());
        assertEquals(copies, a.weight(), 0);
        assertEquals(b.count(), b.weight(), 0);
        for (int i = 0; i < c; i++) {
            assertEquals(b.mean()[i], a.mean()[i], 1e-12);
            assertEquals(b.meanAbs()[i], a.meanAbs()[i], 1e-12);
            assertEquals(b.meanSquare()[i], a.meanSquare()[i], 1e-12);
            for (int j = 0; j < c; j++) assertEquals(b.secondMoment(i, j), a.secondMoment(i, j), 1e-12);
        }
    }

    @Test
    void weightsMustMatchThePositionsAndCannotBeMixedWithUnweightedBatches() {
        ChannelStatsAccumulator acc = new ChannelStatsAccumulator("h", -1, false);
        HostTensor t = HostTensor.ofFloats(new long[] {2, 3}, 1, 2, 3, 4, 5, 6);
        assertThrows(EvalException.class, () -> acc.add(t, new double[] {1, 2, 3}));
        acc.add(t, new double[] {1, 2});
        assertThrows(EvalException.class, () -> acc.add(t));
        assertThrows(IllegalArgumentException.class, () -> new CaptureRequest("x", 1, false, null, new RowWeight("z", true, 1e-5)));
    }
}
