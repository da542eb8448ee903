package dev.lopper.eval.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.bench.ConvNetModels;
import dev.lopper.runtime.BenchResult;
import dev.lopper.runtime.EvalSession;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.InterleavedBench;
import dev.lopper.runtime.LatencyListener;
import dev.lopper.runtime.LatencyOptions;
import dev.lopper.eval.ModelMacs;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.RandomInputs;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.runtime.ShapePolicy;
import dev.lopper.task.Progress;

/**
 * Benchmark (tag "bench": {@code mvn -B -o test -Pbench -Dtest=PruneSpeedupBench}): a ResNet-50 with half of every
 * group's channels removed must run at least 0.9 x the MACs ratio faster than the full one in ONNX Runtime
 * (1 thread, interleaved A B A B runs). Prints the figures.
 */
@Tag("bench")
class PruneSpeedupBench {
    @TempDir
    Path tmp;

    @Test
    void halfWidthResNet50SpeedupTracksMacs() throws Exception {
        Path full = tmp.resolve("resnet50_p00.onnx");
        Path half = tmp.resolve("resnet50_p50.onnx");
        Files.write(full, ConvNetModels.build(0).toByteArray());
        Files.write(half, ConvNetModels.build(0.5).toByteArray());
        SessionConfig config = SessionConfig.DEFAULT.withThreads(1);
        Map<String, long[]> shapes = Map.of("input", new long[] {1, 3, 224, 224});
        double macsRatio = (double) ModelMacs.count(full, shapes).macs() / ModelMacs.count(half, shapes).macs();
        try (EvalSession a = EvalSession.open(ModelSource.of(full), config); EvalSession b = EvalSession.open(ModelSource.of(half), config)) {
            Map<String, HostTensor> in = RandomInputs.forSession(a, ShapePolicy.DEFAULT, null, 1);
            BenchResult r = InterleavedBench.run(a, in, b, in, new LatencyOptions(3, 20), LatencyListener.NONE, Progress.NONE);
            System.out.printf("resnet50 p=0.5, 1 thread: %.1f ms -> %.1f ms, speedup %.3f (paired %.3f), MACs ratio %.3f, %.2f of it%n",
                    r.baseline().medianMs(), r.candidate().medianMs(), r.speedup(), r.pairedSpeedup(), macsRatio,
                    r.pairedSpeedup() / macsRatio);
            assertTrue(r.pairedSpeedup() >= 0.9 * macsRatio, "paired speedup " + r.pairedSpeedup() + " < 0.9 x MACs ratio " + macsRatio);
        }
    }
}
