package dev.lopper.importance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class NormalizationTest {
    static final double[] S = {1, 2, 3, 6};

    @Test
    void exactValues() {
        assertArrayEquals(S, Normalization.NONE.apply(S), 0);
        assertArrayEquals(new double[] {1 / 3.0, 2 / 3.0, 1, 2}, Normalization.MEAN.apply(S), 1e-12);
        assertArrayEquals(new double[] {1 / 6.0, 2 / 6.0, 0.5, 1}, Normalization.MAX.apply(S), 1e-12);
        assertArrayEquals(new double[] {1 / 12.0, 2 / 12.0, 0.25, 0.5}, Normalization.SUM.apply(S), 1e-12);
        // descending 6, 3, 2, 1: 6/6, 3/9, 2/11, 1/12
        assertArrayEquals(new double[] {1 / 12.0, 2 / 11.0, 3 / 9.0, 1}, Normalization.LAMP.apply(S), 1e-12);
    }

    @Test
    void allZeroStaysZeroAndInputIsUntouched() {
        double[] z = {0, 0};
        for (Normalization n : Normalization.values()) assertArrayEquals(new double[] {0, 0}, n.apply(z), 0);
        Normalization.MEAN.apply(S);
        assertArrayEquals(new double[] {1, 2, 3, 6}, S, 0);
    }

    @Test
    void reductionsOfNothingAreZero() {
        assertArrayEquals(new double[] {0, 0}, Reduction.MAX.reduce(java.util.List.of(), 2), 0);
    }
}
