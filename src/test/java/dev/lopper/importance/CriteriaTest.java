package dev.lopper.importance;

import static dev.lopper.importance.Groups.CONV_BN_CONV;
import static dev.lopper.importance.Groups.CONV_CONV;
import static dev.lopper.importance.Groups.ctx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.IndexMap;
import dev.lopper.analysis.Member;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.analysis.ParamSlice.Role;

class CriteriaTest {
    static final double EPS = 1e-6;
    static final double S2 = Math.sqrt(2), S5 = Math.sqrt(5);

    @Test
    void l1MeanSumMaxOverProducerNormAndConsumerSkippingBias() {
        // per slice: W rows (3, 7, 0.5); gamma (0.5, 2, 1); W2 columns (2, 1, 2); beta is a bias, not read
        ImportanceCriterion l1 = Criterion.L1.create();
        assertArrayEquals(new double[] {5.5 / 3, 10.0 / 3, 3.5 / 3}, l1.score(CONV_BN_CONV, ctx(Reduction.MEAN)).values(), EPS);
        assertArrayEquals(new double[] {5.5, 10, 3.5}, l1.score(CONV_BN_CONV, ctx(Reduction.SUM)).values(), EPS);
        assertArrayEquals(new double[] {3, 7, 2}, l1.score(CONV_BN_CONV, ctx(Reduction.MAX)).values(), EPS);
        assertEquals("l1 over 3 slices, mean", l1.score(CONV_BN_CONV, ctx(Reduction.MEAN)).basis());
    }

    @Test
    void l2IsTheEuclideanNormPerSlice() {
        // W rows (√5, 5, 0.5); gamma (0.5, 2, 1); W2 columns (√2, 1, 2)
        ImportanceCriterion l2 = Criterion.L2.create();
        assertArrayEquals(new double[] {(S5 + 0.5 + S2) / 3, 8.0 / 3, 3.5 / 3}, l2.score(CONV_BN_CONV, ctx(Reduction.MEAN)).values(), EPS);
        assertArrayEquals(new double[] {S5, 5, 2}, l2.score(CONV_BN_CONV, ctx(Reduction.MAX)).values(), EPS);
    }

    @Test
    void bnScaleReadsAbsGammaAndFallsBackToL1() {
        ImportanceCriterion bn = Criterion.BN_SCALE.create();
        assertArrayEquals(new double[] {0.5, 2, 1}, bn.score(CONV_BN_CONV, ctx(Reduction.MEAN)).values(), EPS);
        ChannelScores fb = bn.score(CONV_CONV, ctx(Reduction.MEAN));
        assertArrayEquals(new double[] {2.5, 4, 1.25}, fb.values(), EPS);
        assertEquals("bn-scale fell back to l1 over 2 slices, mean: no normalization scale", fb.basis());
    }

    @Test
    void fpgmSumsDistancesBetweenProducerRows() {
        // rows (1,-2) (3,4) (0,0.5): d01 = √40, d02 = √7.25, d12 = √21.25
        double d01 = Math.sqrt(40), d02 = Math.sqrt(7.25), d12 = Math.sqrt(21.25);
        assertArrayEquals(new double[] {d01 + d02, d01 + d12, d02 + d12},
                Criterion.FPGM.create().score(CONV_BN_CONV, ctx(Reduction.MEAN)).values(), EPS);
    }

    @Test
    void fpgmWithoutProducerUsesConsumerColumns() {
        CoupledGroup g = Groups.group("g", 3, List.of(Groups.slice("W2", 1, Role.CONSUMER_WEIGHT)));
        // columns (1,-1) (0,1) (2,0): d01 = √5, d02 = √2, d12 = √5
        ChannelScores s = Criterion.FPGM.create().score(g, ctx(Reduction.MEAN));
        assertArrayEquals(new double[] {S5 + S2, 2 * S5, S2 + S5}, s.values(), EPS);
        assertEquals("fpgm over 1 consumer weights", s.basis());
    }

    @Test
    void lampOfMeanSquaredMagnitude() {
        // squared per slice: (5, 25, 0.25), (0.25, 4, 1), (2, 1, 4) → mean (7.25/3, 10, 5.25/3)
        double a = 7.25 / 3, b = 10, c = 5.25 / 3;
        ImportanceCriterion lamp = Criterion.LAMP.create();
        assertArrayEquals(new double[] {a / (b + a), 1, c / (a + b + c)}, lamp.score(CONV_BN_CONV, ctx(Reduction.MEAN)).values(), EPS);
        assertEquals(Normalization.NONE, lamp.defaultNormalization());
    }

    @Test
    void randomIsSeededPerGroupAndInUnitInterval() {
        ImportanceCriterion r = Criterion.RANDOM.create();
        double[] a = r.score(CONV_BN_CONV, ctx(Reduction.MEAN)).values();
        Random expected = new Random(7L ^ (31L * "g0".hashCode()));
        assertArrayEquals(new double[] {expected.nextDouble(), expected.nextDouble(), expected.nextDouble()}, a, 0);
        assertArrayEquals(a, r.score(CONV_BN_CONV, ctx(Reduction.MEAN)).values(), 0);
        double[] other = r.score(CONV_BN_CONV, new ScoringContext(Weights.of(Groups.TENSORS), null, Reduction.MEAN, 8)).values();
        assertNotEquals(a[0], other[0]);
        for (double v : a) assertTrue(v >= 0 && v < 1);
    }

    @Test
    void indexMapsGatherEveryPositionOfAChannel() {
        // Flatten into a Gemm: channel c owns columns 2c, 2c+1 of FC [2, 6]
        Map<String, Weights.Tensor> w = Map.of(
                "fc", Groups.t("fc", new long[] {2, 6}, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, -1),
                "gn", Groups.t("gn", new long[] {6}, 1, 2, 3, 4, 5, 6),
                "cat", Groups.t("cat", new long[] {4}, 9, 1, 2, 3));
        CoupledGroup g = Groups.group("g", 3, List.of(
                new ParamSlice("fc", "fc", 1, IndexMap.blocks(2), Role.CONSUMER_WEIGHT),
                // position c in each of 2 groups of 3 (grouped conv)
                new ParamSlice("gn", "gn", 0, new IndexMap(0, 1, 2, 3), Role.PER_CHANNEL),
                // a Concat input starting at 1
                new ParamSlice("cat", "cat", 0, IndexMap.offset(1), Role.PER_CHANNEL)));
        ScoringContext sum = new ScoringContext(Weights.of(w), null, Reduction.SUM, 0);
        // fc: (3, 7, 12); gn: (1+4, 2+5, 3+6); cat: (1, 2, 3)
        assertArrayEquals(new double[] {9, 16, 24}, Criterion.L1.create().score(g, sum).values(), EPS);
    }

    @Test
    void outOfRangeSliceIsAClearError() {
        CoupledGroup g = Groups.group("g", 4, List.of(Groups.slice("gamma", 0, Role.NORM_SCALE)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Criterion.L1.create().score(g, ctx(Reduction.MEAN)));
        assertEquals("slice gamma axis 0: channel 3 maps to position 3 but the axis has 3", e.getMessage());
    }

    @Test
    void activationCriteriaReadMemberStatistics() {
        ActivationStats stats = (tensor, axis) -> tensor.equals("x") && axis == 1
                ? Optional.of(new ActivationStats.Channels(new double[] {1, 2, 3}, new double[] {0.5, 2, 1},
                        new double[] {4, 1, 2}, new double[] {0.9, 0.1, 0.5}, new double[] {1, 1, 1}))
                : Optional.empty();
        CoupledGroup g = new CoupledGroup("g", 3, List.of(new Member("conv2", "x", 1, IndexMap.IDENTITY),
                new Member("conv2", "W2", 1, IndexMap.IDENTITY)),
                List.of(new ParamSlice("conv2", "W2", 1, IndexMap.IDENTITY, Role.CONSUMER_WEIGHT)), List.of(), 1, 1, 1, 1);
        ScoringContext ctx = new ScoringContext(Weights.of(Groups.TENSORS), stats, Reduction.MEAN, 0);
        assertArrayEquals(new double[] {0.5, 2, 1}, Criterion.MEAN_ACTIVATION.create().score(g, ctx).values(), EPS);
        assertArrayEquals(new double[] {0.1, 0.9, 0.5}, Criterion.APOZ.create().score(g, ctx).values(), EPS);
        // |W2| columns (2, 1, 2) × ‖X‖ (4, 1, 2)
        assertArrayEquals(new double[] {8, 1, 4}, Criterion.WANDA.create().score(g, ctx).values(), EPS);
    }

    @Test
    void stadeIsWandaWithTheMeanTakenOut() {
        // consistent statistics of N = 10 values per channel: mean μ, std σ, ‖X‖ = √(N(σ² + μ²))
        double n = 10;
        double[] mu = {1, -2, 0}, sd = {2, 1, 3}, l2 = new double[3];
        for (int c = 0; c < 3; c++) l2[c] = Math.sqrt(n * (sd[c] * sd[c] + mu[c] * mu[c]));
        ActivationStats stats = (tensor, axis) -> tensor.equals("x") && axis == 1
                ? Optional.of(new ActivationStats.Channels(mu, new double[3], l2, new double[3], sd))
                : Optional.empty();
        CoupledGroup g = new CoupledGroup("g", 3, List.of(new Member("conv2", "x", 1, IndexMap.IDENTITY),
                new Member("conv2", "W2", 1, IndexMap.IDENTITY)),
                List.of(new ParamSlice("conv2", "W2", 1, IndexMap.IDENTITY, Role.CONSUMER_WEIGHT)), List.of(), 1, 1, 1, 1);
        ScoringContext ctx = new ScoringContext(Weights.of(Groups.TENSORS), stats, Reduction.MEAN, 0);
        double[] wanda = Criterion.WANDA.create().score(g, ctx).values();
        double[] stade = Criterion.STADE.create().score(g, ctx).values();
        double[] w = {2, 1, 2}; // Σ|W2| per column
        for (int c = 0; c < 3; c++) {
            assertEquals(w[c] * Math.sqrt(n) * sd[c], stade[c], EPS, "stade = |W|·√N·σ");
            // exactly the mean term apart: wanda² − stade² = (Σ|w|)²·N·μ²
            assertEquals(w[c] * w[c] * n * mu[c] * mu[c], wanda[c] * wanda[c] - stade[c] * stade[c], 1e-9);
        }
        // √10·(2·√5, 1·√5, 2·3) vs √10·(2·2, 1·1, 2·3): the zero-mean channel ties, the others drop
        assertArrayEquals(new double[] {4 * Math.sqrt(n), Math.sqrt(n), 6 * Math.sqrt(n)}, stade, EPS);
        assertEquals(wanda[2], stade[2], EPS);
        // wanda ranks channel 0 over channel 1 by 2√5 : √5; with the means taken out channel 0 still wins, 4 : 1
        assertEquals("stade", Criterion.parse("STADE").id());
        assertTrue(Criterion.STADE.create().needsActivations());
    }

    @Test
    void parseNames() {
        assertEquals(Criterion.BN_SCALE, Criterion.parse("bn-scale"));
        assertEquals(Reduction.MAX, Reduction.parse("MAX"));
        assertEquals(Normalization.SUM, Normalization.parse("sum"));
        assertThrows(IllegalArgumentException.class, () -> Criterion.parse("l3"));
    }
}
