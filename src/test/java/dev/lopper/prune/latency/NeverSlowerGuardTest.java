package dev.lopper.prune.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.lopper.prune.PruneResult;
import dev.lopper.prune.PruningSettings;

/** The one-line descriptions and the refusal of {@link NeverSlower.Guarded}, shared by `lopper prune` and the app. */
class NeverSlowerGuardTest {
    static NeverSlower.Attempt attempt(int roundTo, double fraction) {
        return new NeverSlower.Attempt(roundTo, new NeverSlower.Timing(10, 10 * fraction, fraction, 5));
    }

    @Test
    void replannedSaysWhichRoundingWasWrittenAndWhy() {
        PruneResult r = NeverSlowerTest.model(0.9);
        NeverSlower.Attempt first = attempt(1, 1.3), chosen = attempt(8, 0.9);
        var g = new NeverSlower.Guarded(r, new NeverSlower.Outcome(r, chosen, List.of(first, chosen)), null, true);
        assertFalse(g.refused());
        assertTrue(g.replanned());
        assertEquals(8, g.chosenRoundTo());
        assertEquals("re-planned with round-to 8: the round-to 1 plan was 1.30\u00d7 slower; 9.00 ms vs original 10.00 ms = 0.900x the latency"
                + " (1.11x faster), 5 interleaved pairs", g.describe());
    }

    @Test
    void notSlowerAndSkipped() {
        PruneResult r = NeverSlowerTest.model(0.9);
        NeverSlower.Attempt a = attempt(8, 0.9);
        var g = new NeverSlower.Guarded(r, new NeverSlower.Outcome(r, a, List.of(a)), null, true);
        assertFalse(g.replanned());
        assertTrue(g.describe().startsWith("not slower: 9.00 ms vs original 10.00 ms"), g.describe());
        assertEquals("not timed: 1,000 MACs, below 20,000,000, where timing noise exceeds what pruning changes",
                NeverSlower.skipReason(1000, NeverSlower.MIN_MACS));
        assertNull(NeverSlower.skipReason(NeverSlower.MIN_MACS, NeverSlower.MIN_MACS));
    }

    @Test
    void refusalIsTheClisText() {
        var o = new NeverSlower.Outcome(null, null, List.of(attempt(1, 1.3), attempt(PruningSettings.ROUND_TO_AUTO, 1.1)));
        var g = new NeverSlower.Guarded(null, o, null, true);
        assertTrue(g.refused());
        assertEquals("the pruned model runs slower than the original m.onnx with 1 thread; round-to 1: 13.00 ms vs original 10.00 ms"
                + " = 1.300x the latency (0.77x faster), 5 interleaved pairs; round-to auto: 11.00 ms vs original 10.00 ms = 1.100x the"
                + " latency (0.91x faster), 5 interleaved pairs; nothing written (--allow-slower writes it anyway)",
                g.refusal(Path.of("m.onnx"), 1, "--allow-slower writes it anyway"));
        var saved = new NeverSlower.Guarded(null, o, null, false);
        assertTrue(saved.refusal("m.onnx", 2, "x").endsWith("with 2 threads; round-to 1: 13.00 ms vs original 10.00 ms = 1.300x the latency"
                + " (0.77x faster), 5 interleaved pairs; round-to auto: 11.00 ms vs original 10.00 ms = 1.100x the latency (0.91x faster),"
                + " 5 interleaved pairs (a saved or accuracy-target plan is applied as it is: another rounding could change what it was chosen for); nothing written (x)"), saved.refusal("m.onnx", 2, "x"));
    }
}
