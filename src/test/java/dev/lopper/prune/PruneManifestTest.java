package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lopper.runtime.VerifyOptions;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.task.Progress;

/**
 * Every manifest model at ratios 0.1/0.3/0.5/0.7 (round-to 1, uniform):
 * <ul>
 *   <li>an empty plan reproduces the original outputs exactly;</li>
 *   <li>with L1 at every ratio, the model verifies in ONNX Runtime and the planner's params and MACs equal a
 *   recount of the written file (read back, standardized and analyzed from scratch) exactly
 *   (fp16 weights behind Cast included);</li>
 *   <li>every other weight criterion verifies at ratio 0.5 (all ratios with {@code -Dlopper.fullMatrix=true});</li>
 *   <li>no model is exempt: every one (Swin included) must verify at every ratio.</li>
 * </ul>
 */
class PruneManifestTest {
    static final Path DIR = Path.of("src/test/resources/models");
    static final double[] RATIOS = {0.1, 0.3, 0.5, 0.7};
    static final Criterion[] OTHERS = {Criterion.L2, Criterion.BN_SCALE, Criterion.FPGM, Criterion.LAMP, Criterion.RANDOM};
    static final boolean FULL = Boolean.getBoolean("lopper.fullMatrix");


    @TempDir
    Path tmp;

    static Stream<String> models() throws Exception {
        JsonNode m = new ObjectMapper().readTree(DIR.resolve("manifest.json").toFile());
        List<String> files = new ArrayList<>();
        m.forEach(e -> files.add(e.get("file").asText()));
        String only = System.getProperty("lopper.only"); // e.g. -Dlopper.only=swin to run a subset
        return files.stream().filter(f -> only == null || f.contains(only));
    }

    static VerifyOptions verify() {
        VerifyOptions d = VerifyOptions.DEFAULT;
        return new VerifyOptions(d.session(), d.shapes(), d.ints(), 1, 0);
    }

    @ParameterizedTest
    @MethodSource("models")
    void prunedModelsVerifyAndCountsMatchARecount(String file) throws Exception {
        PruningSession s = PruningSession.open(DIR.resolve(file), Map.of(), Progress.NONE);

        PlanExecution.Outcome none = s.apply(new PruningPlan(s.sha256(), file, PlanSettings.manual(), Map.of()), false, verify(), Progress.NONE);
        assertTrue(none.verified(), file + ": empty plan: " + none.verification().problem());
        for (double d : none.verification().maxAbsDiff().values()) assertEquals(0.0, d, file + ": the empty plan changes outputs");

        if (s.analysis().prunableGroups().isEmpty()) return;
        for (double ratio : RATIOS) {
            check(s, file, ratio, Criterion.L1, true);
            if (FULL || ratio == 0.5) for (Criterion c : OTHERS) check(s, file, ratio, c, false);
        }
    }

    private void check(PruningSession s, String file, double ratio, Criterion c, boolean recount) throws Exception {
        ScoringOptions so = ScoringOptions.defaults().with(c);
        Map<String, ChannelScores> scores = s.score(so, Progress.NONE);
        Planner.Result r = s.plan(scores, so, PruningSettings.ratio(ratio).withRoundTo(1), Progress.NONE);
        String what = file + " ratio " + ratio + " " + c.id();
        if (r.plan().groups().isEmpty()) return; // every prunable group too small for this ratio
        PlanExecution.Outcome o = s.apply(r.plan(), false, verify(), Progress.NONE);
        assertTrue(o.verified(), what + ": " + o.verification().problem() + " " + o.failing());
        if (!recount) return;
        Path out = tmp.resolve(file);
        s.write(o, out, Progress.NONE);
        ModelCost counted = s.recount(out, Progress.NONE);
        assertEquals(counted.params(), r.after().params(), what + ": params");
        assertEquals(counted.macs(), r.after().macs(), what + ": MACs");
        Files.delete(out);
    }
}
