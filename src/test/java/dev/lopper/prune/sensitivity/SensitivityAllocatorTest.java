package dev.lopper.prune.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import dev.lopper.testutil.SignalNoiseModel;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.prune.Allocation;
import dev.lopper.prune.GroupPlan;
import dev.lopper.prune.PlanException;
import dev.lopper.prune.Planner;
import dev.lopper.prune.PruneTarget;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.PruningSettings;
import dev.lopper.task.Progress;

class SensitivityAllocatorTest {
    static Map<String, int[]> removed(Planner.Result r) {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (GroupPlan g : r.plan().groups().values()) m.put(g.id(), g.removed());
        return m;
    }

    @Test
    void keepsTheSignalGroupWhereUniformCutsItAndDamagesLessAtTheSameMacs(@TempDir Path dir) throws Exception {
        PruningSession s = PruningSession.open(SignalNoiseModel.write(dir), Map.of(), Progress.NONE);
        SensitivitySettings set = SensitivitySettings.defaults().withSamples(16);
        SensitivityResult table = SensitivityAnalysis.run(s, set, null, 2, Progress.NONE);
        ScoringOptions so = ScoringOptions.defaults();
        Map<String, ChannelScores> scores = s.score(so, Progress.NONE);
        PruningSettings target = new PruningSettings(Allocation.UNIFORM, PruneTarget.macs(0.7), 1, 1, Set.of(), Map.of());

        SensitivityAllocator.Result sens = SensitivityAllocator.allocate(s, table, scores, so, target, Progress.NONE);
        Planner.Result uniform = s.plan(scores, so, target, Progress.NONE);
        double macsSens = sens.planned().after().macsFraction(s.before());
        double macsUni = uniform.after().macsFraction(s.before());
        assertTrue(macsSens <= 0.7 && macsSens > 0.68, "sensitivity meets the target without overshooting: " + macsSens);
        assertTrue(macsUni <= 0.7, "uniform meets it: " + macsUni);

        assertFalse(sens.planned().plan().groups().containsKey(SignalNoiseModel.SIGNAL), "the signal group is kept whole");
        assertTrue(sens.planned().plan().groups().get(SignalNoiseModel.NOISE).removedCount() >= 19, "the noise group pays for it");
        assertTrue(uniform.plan().groups().get(SignalNoiseModel.SIGNAL).removedCount() >= 9, "uniform cuts the signal group");

        try (DamageProbe probe = DamageProbe.open(s, set, null, Progress.NONE)) {
            DamageProbe.Damage ds = probe.measure(removed(sens.planned()));
            DamageProbe.Damage du = probe.measure(removed(uniform));
            assertTrue(ds.relL2() < 0.01, "sensitivity allocation barely changes the output: " + ds.relL2());
            assertTrue(du.relL2() > 0.1, "uniform does: " + du.relL2());
            assertTrue(ds.cosine() > du.cosine());
            assertEquals(ds.relL2(), sens.predictedDamage(), 0.01, "predicted vs measured");
        }
    }

    @Test
    void aRatioTargetOrAnUnreachableOneIsRefused(@TempDir Path dir) throws Exception {
        PruningSession s = PruningSession.open(SignalNoiseModel.write(dir), Map.of(), Progress.NONE);
        SensitivitySettings set = SensitivitySettings.defaults().withSamples(4).withRatios(List.of(0.1, 0.3));
        SensitivityResult table = SensitivityAnalysis.run(s, set, null, 1, Progress.NONE);
        ScoringOptions so = ScoringOptions.defaults();
        Map<String, ChannelScores> scores = s.score(so, Progress.NONE);
        assertThrows(IllegalArgumentException.class, () -> SensitivityAllocator.allocate(s, table, scores, so,
                PruningSettings.ratio(0.3), Progress.NONE));
        PlanException e = assertThrows(PlanException.class, () -> SensitivityAllocator.allocate(s, table, scores, so,
                PruningSettings.ratio(0).withTarget(PruneTarget.macs(0.2)), Progress.NONE));
        assertTrue(e.getMessage().contains("measure larger --ratios"), e.getMessage());
    }
}
