package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.lopper.runtime.BenchResult;
import dev.lopper.runtime.EvalSession;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.InterleavedBench;
import dev.lopper.runtime.LatencyListener;
import dev.lopper.runtime.LatencyOptions;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.RandomInputs;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.runtime.ShapePolicy;
import dev.lopper.runtime.VerifyOptions;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.task.Progress;

/**
 * How the round-to multiple changes ONNX Runtime CPU latency of a pruned model (the measurement behind
 * {@link PruningSettings#DEFAULT_ROUND_TO}). Prints original vs pruned latency, interleaved runs, per round-to.
 * Run: {@code mvn -B -o test -Dtest=RoundToBenchmarkTest -Dlopper.bench=true -Dgroups=bench}.
 */
@Tag("bench")
@EnabledIfSystemProperty(named = "lopper.bench", matches = "true")
class RoundToBenchmarkTest {
    @ParameterizedTest
    @ValueSource(strings = {"src/test/resources/models/mobilenet_v2_w025_op13.onnx", "src/test/resources/models/resnet50_slim_op13.onnx",
            "/tmp/lopper-big/resnet50_op13.onnx"})
    void latencyPerRoundTo(String file) throws Exception {
        Path model = Path.of(file);
        org.junit.jupiter.api.Assertions.assertTrue(Files.isRegularFile(model), "no " + model
                + ": make it with /usr/bin/python3 samples/scripts/make_big_models.py DIR --only resnet50 (and -Dlopper.bench.model)");
        double ratio = Double.parseDouble(System.getProperty("lopper.bench.ratio", "0.3"));
        int runs = Integer.getInteger("lopper.bench.runs", 30);
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        ScoringOptions so = ScoringOptions.defaults();
        var scores = s.score(so, Progress.NONE);
        SessionConfig cfg = SessionConfig.DEFAULT.withThreads(Integer.getInteger("lopper.bench.threads", 1));
        try (EvalSession base = EvalSession.open(ModelSource.of(model), cfg)) {
            Map<String, HostTensor> in = RandomInputs.create(base.inputs(), ShapePolicy.DEFAULT, VerifyOptions.DEFAULT.ints(), 1);
            for (int n : List.of(1, 4, 8, 16)) {
                Planner.Result r = s.plan(scores, so, PruningSettings.ratio(ratio).withRoundTo(n), Progress.NONE);
                PlanExecution.Outcome o = s.apply(r.plan(), false, VerifyOptions.DEFAULT, Progress.NONE);
                assertTrue(o.verified(), String.valueOf(o.verification().problem()));
                try (EvalSession cand = EvalSession.open(ModelSource.of(o.model(), model.toAbsolutePath().getParent(), "round-to " + n), cfg)) {
                    BenchResult b = InterleavedBench.run(base, in, cand, in, new LatencyOptions(5, runs), LatencyListener.NONE, Progress.NONE);
                    System.out.printf("round-to %2d on %s, ratio %.2f: params %.1f%%, MACs %.1f%%; original %.3f ms, pruned %.3f ms, speedup %.2f× (paired %.2f×)%n",
                            n, model.getFileName(), ratio, 100 * r.after().paramsFraction(r.before()), 100 * r.after().macsFraction(r.before()),
                            b.baseline().medianMs(), b.candidate().medianMs(), b.speedup(), b.pairedSpeedup());
                }
            }
        }
    }
}
