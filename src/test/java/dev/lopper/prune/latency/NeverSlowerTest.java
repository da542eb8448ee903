package dev.lopper.prune.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.prune.ModelCost;
import dev.lopper.prune.PlanExecution;
import dev.lopper.prune.PruneResult;
import dev.lopper.prune.PruningSettings;
import dev.lopper.prune.Verification;
import dev.lopper.task.Progress;

/** The never-slower decision with an injected meter: each fake model's latency fraction is in its producer name. */
class NeverSlowerTest {
    static PruneResult model(double fraction) {
        ModelProto m = ModelProto.newBuilder().setProducerName(Double.toString(fraction)).build();
        var v = new Verification(true, null, Map.of(), Map.of());
        return new PruneResult(null, new PlanExecution.Outcome(null, m, v, Map.of()), new ModelCost(1, 1), null);
    }

    static final class FakeMeter implements NeverSlower.Meter {
        final List<Double> timed = new ArrayList<>();

        @Override
        public NeverSlower.Timing time(ModelProto candidate, Progress progress) {
            double f = Double.parseDouble(candidate.getProducerName());
            timed.add(f);
            return new NeverSlower.Timing(10, 10 * f, f, 5);
        }
    }

    @Test
    void fasterModelIsKeptWithoutReplanning() {
        FakeMeter m = new FakeMeter();
        PruneResult first = model(0.8);
        NeverSlower.Outcome o = NeverSlower.check(first, 1, rt -> { throw new AssertionError("re-planned"); }, m, Progress.NONE);
        assertSame(first, o.chosen());
        assertEquals(List.of(0.8), m.timed);
        // within the 2 % tolerance counts as not slower
        PruneResult close = model(1.019);
        assertSame(close, NeverSlower.check(close, 1, rt -> null, m, Progress.NONE).chosen());
    }

    @Test
    void slowerModelFallsBackToTheFirstRoundingThatIsNotSlower() {
        FakeMeter m = new FakeMeter();
        List<Integer> asked = new ArrayList<>();
        Map<Integer, Double> byRoundTo = Map.of(8, 1.10, 16, 0.93, PruningSettings.ROUND_TO_AUTO, 0.85);
        NeverSlower.Outcome o = NeverSlower.check(model(1.25), 1, rt -> {
            asked.add(rt);
            return model(byRoundTo.get(rt));
        }, m, Progress.NONE);
        assertEquals(List.of(8, 16), asked);                // stops at the first not slower (16), auto is not needed
        assertEquals(List.of(1.25, 1.10, 0.93), m.timed);
        assertEquals(16, o.chosenAttempt().roundTo());
        assertEquals(0.93, o.chosenAttempt().timing().fraction(), 1e-12);
        assertEquals(3, o.attempts().size());
    }

    @Test
    void noResultWhenEveryRoundingIsSlowerOrCannotBeReplanned() {
        FakeMeter m = new FakeMeter();
        NeverSlower.Outcome o = NeverSlower.check(model(1.3), 8, rt -> model(1.05), m, Progress.NONE);
        assertFalse(o.found());
        assertNull(o.chosen());
        assertEquals(List.of(1.3, 1.05, 1.05), m.timed);     // 8, then 16 and auto
        // a saved plan cannot be re-planned: only the first is timed
        FakeMeter m2 = new FakeMeter();
        assertFalse(NeverSlower.check(model(1.3), 8, rt -> null, m2, Progress.NONE).found());
        assertEquals(List.of(1.3), m2.timed);
        // a re-plan that fails verification is skipped
        var bad = new PruneResult(null, new PlanExecution.Outcome(null, null, Verification.failed("x"), Map.of()), new ModelCost(1, 1), null);
        FakeMeter m3 = new FakeMeter();
        assertTrue(NeverSlower.check(model(1.3), 1, rt -> rt == 8 ? bad : model(0.9), m3, Progress.NONE).found());
        assertEquals(List.of(1.3, 0.9), m3.timed);
    }

    @Test
    void fallbackOrder() {
        assertEquals(List.of(8, 16, PruningSettings.ROUND_TO_AUTO), NeverSlower.fallbacks(1));
        assertEquals(List.of(16, PruningSettings.ROUND_TO_AUTO), NeverSlower.fallbacks(8));
        assertEquals(List.of(PruningSettings.ROUND_TO_AUTO), NeverSlower.fallbacks(32));
        assertEquals(List.of(8, 16), NeverSlower.fallbacks(PruningSettings.ROUND_TO_AUTO));
    }
}
