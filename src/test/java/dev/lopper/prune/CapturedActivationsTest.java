package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.runtime.ChannelStats;
import dev.lopper.importance.ActivationStats;

class CapturedActivationsTest {
    @Test
    void channelStatsBecomeActivationStats() {
        ChannelStats cs = new ChannelStats("h", 1, 2, 4, new double[] {1, -2}, new double[] {1, 2}, new double[] {0.25, 0.5},
                new double[] {4, 9}, null);
        ActivationStats a = new CapturedActivations(Map.of("h", cs));
        ActivationStats.Channels ch = a.channels("h", 1).orElseThrow();
        // ‖X‖ = √(count · E[x²]) = √16, √36; std = √(E[x²] − E[x]²) = √3, √5
        assertArrayEquals(new double[] {4, 6}, ch.l2(), 1e-12);
        assertArrayEquals(new double[] {Math.sqrt(3), Math.sqrt(5)}, ch.std(), 1e-12);
        assertArrayEquals(new double[] {0.25, 0.5}, ch.zeroFraction(), 0);
        assertTrue(a.channels("h", 0).isEmpty());
        assertTrue(a.channels("x", 1).isEmpty());
    }
}
