package dev.lopper.prune.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.prune.Allocation;
import dev.lopper.prune.PruneRequest;
import dev.lopper.prune.PruneTarget;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.PruningSettings;
import dev.lopper.runtime.EvalException;
import dev.lopper.task.Progress;

class AccuracySearchTest {
    static final Path MODEL = Path.of("samples/digits_cnn.onnx");
    static final Path DATA = Path.of("samples/digits_test.csv");

    static PruneRequest request() {
        return PruneRequest.of(ScoringOptions.defaults(),
                new PruningSettings(Allocation.UNIFORM, PruneTarget.macs(1), 1, 1, Set.of(), Map.of()));
    }

    static TargetDecision.Options uniform() {
        return new TargetDecision.Options(false, null, 1, null, null, null);
    }

    @Test
    void findsTheSmallestFractionThatStillMeetsTheAccuracy() throws Exception {
        try (PruningSession s = PruningSession.open(MODEL, Map.of(), Progress.NONE)) {
            double a = 0.95;
            AccuracySearch.Result r = AccuracySearch.search(s, request(), uniform(),
                    new AccuracySearch.Options(a, DATA, 200, AccuracySearch.DEFAULT_STEPS), Map.of(), Progress.NONE);
            assertTrue(r.met(), r.message());
            assertEquals(200, r.samples());
            assertTrue(r.originalAccuracy() >= 0.99, "original " + r.originalAccuracy());
            assertEquals(AccuracySearch.DEFAULT_STEPS, r.trials().size());
            AccuracySearch.Trial c = r.chosenTrial();
            assertTrue(c.accuracy() >= a, "chosen accuracy " + c.accuracy());
            assertTrue(c.macsFraction() < 1, "it prunes: " + c.macsFraction());
            assertEquals(c.macsFraction(), r.chosen().after().macsFraction(s.before()), 1e-12);
            // bisection bracket: the heaviest trial that met is chosen; a trial just below its target missed
            // (or the bracket reached 0)
            double below = r.trials().stream().filter(t -> !t.meets() && t.target() < c.target())
                    .mapToDouble(AccuracySearch.Trial::target).max().orElse(0);
            assertTrue(c.target() - below <= Math.pow(0.5, AccuracySearch.DEFAULT_STEPS) + 1e-12,
                    "bracket " + below + " .. " + c.target());
            for (AccuracySearch.Trial t : r.trials()) {
                if (t.meets()) assertTrue(t.macsFraction() >= c.macsFraction() - 1e-12);
                if (!t.meets() && t.verified()) assertTrue(t.accuracy() < a, t.describe());
            }
            // the chosen model's accuracy measured again, independently of the search, on the same rows
            AccuracySearch.Result again = AccuracySearch.search(s, request(), uniform(),
                    new AccuracySearch.Options(a, DATA, 200, AccuracySearch.DEFAULT_STEPS), Map.of(), Progress.NONE);
            assertEquals(c, again.chosenTrial(), "deterministic");
            System.out.println("accuracy search: original " + r.originalAccuracy() + " on " + r.rows());
            r.trials().forEach(t -> System.out.println("  " + t.describe()));
        }
    }

    @Test
    void anUnreachableTargetSaysSoAndChoosesNothing() throws Exception {
        try (PruningSession s = PruningSession.open(MODEL, Map.of(), Progress.NONE)) {
            AccuracySearch.Result r = AccuracySearch.search(s, request(), uniform(),
                    new AccuracySearch.Options(1.01, DATA, 100, 3), Map.of(), Progress.NONE);
            assertNull(r.chosen());
            assertTrue(r.trials().isEmpty(), "nothing pruned when the original misses");
            assertTrue(r.message().contains("no pruned model can meet it"), r.message());
            assertTrue(r.message().contains("101.00%"), r.message());
        }
    }

    @Test
    void whenEvenTheLightestPruneTriedMissesNothingIsChosen() throws Exception {
        try (PruningSession s = PruningSession.open(MODEL, Map.of(), Progress.NONE)) {
            // one step: only 50 % of the MACs is tried, far below 95 % accuracy on this sample
            AccuracySearch.Result r = AccuracySearch.search(s, request(), uniform(),
                    new AccuracySearch.Options(0.95, DATA, 100, 1), Map.of(), Progress.NONE);
            assertNull(r.chosen());
            assertNull(r.planned());
            assertEquals(1, r.trials().size());
            AccuracySearch.Trial t = r.trials().get(0);
            assertEquals(0.5, t.target(), 0);
            assertTrue(t.verified() && t.accuracy() < 0.95, t.describe());
            assertTrue(r.message().startsWith("even the lightest prune tried (MACs 50.0%) reaches only"), r.message());
            assertEquals(1, r.message().lines().count(), "one line");
        }
    }

    @Test
    void reportsProgressPerStepAndCanBeCancelled() throws Exception {
        try (PruningSession s = PruningSession.open(MODEL, Map.of(), Progress.NONE)) {
            java.util.List<String> steps = new java.util.ArrayList<>();
            boolean[] cancel = {false};
            Progress p = new Progress() {
                @Override
                public void update(String message, double done, double total) {
                    if (message.startsWith("accuracy trial")) {
                        steps.add(message);
                        if (steps.size() == 2) cancel[0] = true;
                    }
                }

                @Override
                public boolean isCancelled() { return cancel[0]; }
            };
            assertThrows(dev.lopper.task.CancelledException.class, () -> AccuracySearch.search(s, request(), uniform(),
                    new AccuracySearch.Options(0.95, DATA, 100, AccuracySearch.DEFAULT_STEPS), Map.of(), p));
            assertEquals("accuracy trial 1 of 7: MACs 50.0%", steps.get(0));
            assertEquals("accuracy trial 2 of 7: MACs 75.0%", steps.get(1));
            assertEquals(2, steps.size(), "stopped within the second trial");
        }
    }

    @Test
    void refusesTheCalibrationFileAsAccuracyData() {
        EvalException e = assertThrows(EvalException.class, () -> AccuracySearch.checkDisjoint(DATA, Path.of("samples/../samples/digits_test.csv")));
        assertTrue(e.getMessage().contains("also the calibration data"), e.getMessage());
        AccuracySearch.checkDisjoint(DATA, MODEL);
    }
}
