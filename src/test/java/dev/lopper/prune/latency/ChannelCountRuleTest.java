package dev.lopper.prune.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The --round-to auto rule on given latencies (no timing). */
class ChannelCountRuleTest {
    @Test
    void candidatesFollowTheWindows() {
        // wish 33: w = 5 up (36), d = min(2, 4) down (32)
        assertArrayEquals(new int[] {32, 33, 36}, ChannelCountRule.candidates(33, 64, 1, 1));
        // wish 60 of 64: the whole group is a candidate; d = min(4, 7): 56
        assertArrayEquals(new int[] {56, 60, 64}, ChannelCountRule.candidates(60, 64, 1, 1));
        // wish 12: w = 4; d = min(2, 1) = 1, nothing below
        assertArrayEquals(new int[] {12, 16}, ChannelCountRule.candidates(12, 16, 1, 1));
        // wish 1000 of 1024: w = min(32, 125) up in steps of 8 (capped at C), d = min(16, 125) = 16 down
        assertArrayEquals(new int[] {984, 992, 1000, 1008, 1016, 1024}, ChannelCountRule.candidates(1000, 1024, 1, 1));
        // wish 1434 of 2048: w = 32, steps of 8; d = 16
        assertArrayEquals(new int[] {1424, 1432, 1434, 1440, 1448, 1456, 1464}, ChannelCountRule.candidates(1434, 2048, 1, 1));
        // structural multiple 3: only multiples of 12 (24 below) besides the wish
        assertArrayEquals(new int[] {45, 48}, ChannelCountRule.candidates(45, 100, 1, 3));
        // never below the minimum
        assertArrayEquals(new int[] {33, 36}, ChannelCountRule.candidates(33, 100, 33, 1));
    }

    @Test
    void smallestCountWithinThreePercentOfTheFastest() {
        int[] c = {32, 33, 36, 40};
        assertEquals(40, ChannelCountRule.choose(33, c, new double[] {39, 49.5, 54, 40}));  // 32 is not 5 % faster than 40
        assertEquals(36, ChannelCountRule.choose(33, c, new double[] {50, 49.5, 41, 45}));
        assertEquals(33, ChannelCountRule.choose(33, c, new double[] {50, 10, 10, 10}));    // equal speed: the plan's count
        assertEquals(36, ChannelCountRule.choose(33, c, new double[] {50, 10.5, 10.2, 10})); // 10.2 <= 1.03 * 10 < 10.5
        assertEquals(33, ChannelCountRule.choose(33, c, new double[] {50, 10, 11, 12}));
    }

    @Test
    void fewerChannelsOnlyWhenClearlyFaster() {
        int[] c = {32, 33, 36, 40};
        assertEquals(32, ChannelCountRule.choose(33, c, new double[] {37.9, 49.5, 54, 40}));   // 37.9 < 0.95 * 40 = 38
        assertEquals(40, ChannelCountRule.choose(33, c, new double[] {38.1, 49.5, 54, 40}));   // within 5 %: more channels
        int[] d = {976, 984, 992, 1000, 1008};
        assertEquals(984, ChannelCountRule.choose(1000, d, new double[] {80, 70, 75, 100, 90})); // the fastest below
    }
}
