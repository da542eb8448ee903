package dev.lopper.prune.obspa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.lopper.runtime.VerifyOptions;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.prune.PlanExecution;
import dev.lopper.prune.Planner;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.PruningSettings;
import dev.lopper.task.Progress;

/** Data-free OBSPA on real exports: every score is finite, the compensated model verifies, BN models get compensated. */
class ObspaManifestTest {
    @ParameterizedTest
    @CsvSource({"resnet50_slim_op13.onnx, 20", "mobilenet_v2_w025_op13.onnx, 10", "bert_tiny_op13.onnx, 1",
            "gpt2_tiny_op13.onnx, 0", "vgg_nobn_slim_op11.onnx, 0", "fp16_weights_op13.onnx, 0"})
    void scoresCompensatesAndVerifies(String file, int minCompensated) throws Exception {
        PruningSession s = PruningSession.open(Path.of("src/test/resources/models", file), Map.of(), Progress.NONE);
        GraphObspaSource src = Obspa.source(s, null, Map.of(), ObsLayer.DEFAULT_DAMPING, Progress.NONE);
        ScoringOptions so = new ScoringOptions(Criterion.OBSPA, null, null, 0, src, false);
        Map<String, ChannelScores> scores = s.score(so, Progress.NONE);
        for (ChannelScores c : scores.values()) {
            for (double v : c.values()) assertTrue(Double.isFinite(v) && v >= 0, file + ": " + c.basis());
            assertTrue(c.basis().startsWith("obspa"), c.basis());
        }
        Planner.Result r = s.plan(scores, so, PruningSettings.ratio(0.3).withRoundTo(1), Progress.NONE);
        Obspa.Step step = Obspa.compensation(s, src);
        s.setCompensation(step);
        PlanExecution.Outcome o = s.apply(r.plan(), false, VerifyOptions.DEFAULT, Progress.NONE);
        assertTrue(o.verified(), file + ": " + o.verification().problem() + " " + o.failing());
        assertTrue(step.last().compensated().size() >= minCompensated, file + ": " + step.last());
        assertEquals(r.plan().groups().keySet(), o.plan().groups().keySet());
    }
}
