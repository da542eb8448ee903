package dev.lopper.importance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.obspa.Obspa;
import dev.lopper.prune.obspa.ObsLayer;
import dev.lopper.task.Progress;

/** OBSPA groups scored concurrently give the scores, bit for bit, of scoring them one after another. */
class ObspaConcurrentScoringTest {
    @Test
    void concurrentGroupsScoreAsSequential() throws Exception {
        PruningSession s = PruningSession.open(Path.of("samples", "digits_cnn.onnx"), Map.of(), Progress.NONE);
        assertTrue(Criterion.OBSPA.create().concurrentGroups());
        // each run its own source, so neither reuses the other's inverses
        Map<String, ChannelScores> one = scores(s, 1), three = scores(s, 3);
        assertEquals(one.keySet().stream().toList(), three.keySet().stream().toList(), "groups, in group order");
        assertTrue(one.size() > 1, "groups scored: " + one.size());
        for (String g : one.keySet()) {
            assertArrayEquals(one.get(g).values(), three.get(g).values(), 0.0, g);
            assertEquals(one.get(g).basis(), three.get(g).basis(), g);
        }
    }

    private static Map<String, ChannelScores> scores(PruningSession s, int cores) {
        ScoringOptions so = new ScoringOptions(Criterion.OBSPA, null, null, 0,
                Obspa.source(s, null, Map.of(), ObsLayer.DEFAULT_DAMPING, Progress.NONE), false);
        Weights w = Weights.of(s.graph());
        try {
            return ImportanceScorer.score(s.groups(), w, s.graph(), so, Progress.NONE, cores);
        } finally {
            w.clear();
        }
    }
}
