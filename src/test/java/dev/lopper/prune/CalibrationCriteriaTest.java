package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.runtime.VerifyOptions;
import dev.lopper.importance.ActivationStats;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.task.Progress;

/** Calibration criteria end to end: capture with ONNX Runtime, score, plan, apply, verify. */
class CalibrationCriteriaTest {
    @Test
    void meanActivationApozAndWandaOnAResNet() throws Exception {
        PruningSession s = PruningSession.open(Path.of("src/test/resources/models/resnet18_slim_op13.onnx"), Map.of(), Progress.NONE);
        ActivationStats stats = s.captureActivations(null, 1, 2, VerifyOptions.DEFAULT, 5, Progress.NONE);
        for (Criterion c : new Criterion[] {Criterion.MEAN_ACTIVATION, Criterion.APOZ, Criterion.WANDA}) {
            ScoringOptions so = new ScoringOptions(c, null, null, 0, stats, false);
            Map<String, ChannelScores> scores = s.score(so, Progress.NONE);
            assertEquals(s.analysis().prunableGroups().size(), scores.size(), c.id());
            for (ChannelScores cs : scores.values()) {
                assertFalse(cs.basis().contains("all channels tie"), c.id() + ": " + cs.basis());
                for (double v : cs.values()) assertTrue(Double.isFinite(v) && v >= 0, c.id() + ": " + v);
            }
            Planner.Result r = s.plan(scores, so, PruningSettings.ratio(0.5).withRoundTo(1), Progress.NONE);
            PlanExecution.Outcome o = s.apply(r.plan(), false, VerifyOptions.DEFAULT, Progress.NONE);
            assertTrue(o.verified(), c.id() + ": " + o.verification().problem());
        }
    }
}
