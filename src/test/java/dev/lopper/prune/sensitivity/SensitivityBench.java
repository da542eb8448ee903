package dev.lopper.prune.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.eval.bench.ConvNetModels;
import dev.lopper.prune.PruningSession;
import dev.lopper.task.Progress;

/**
 * Benchmark (tag "bench": {@code mvn -B -o test -Dgroups=bench -Dtest=SensitivityBench}): sensitivity of a
 * ResNet-50 (224×224, 25.6 M parameters, 4.1 GMACs) at 4 ratios on 32 random samples must finish in under
 * 5 minutes on 2 cores. Prints the figure.
 */
@Tag("bench")
class SensitivityBench {
    @TempDir
    Path tmp;

    /** Runs the benchmark outside Maven (from a copy of the classes): {@code java -cp ... SensitivityBench}. */
    public static void main(String[] args) throws Exception {
        SensitivityBench b = new SensitivityBench();
        b.tmp = Files.createTempDirectory("sensitivity-bench");
        b.resNet50FourRatiosThirtyTwoSamplesUnderFiveMinutes();
    }

    @Test
    void resNet50FourRatiosThirtyTwoSamplesUnderFiveMinutes() throws Exception {
        Path model = tmp.resolve("resnet50.onnx");
        Files.write(model, ConvNetModels.build(0).toByteArray());
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        int cores = Runtime.getRuntime().availableProcessors();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long t0 = System.nanoTime();
        long cpu0 = os.getProcessCpuTime();
        Progress printing = new Progress() {
            private long last;

            @Override
            public void update(String message, double done, double total) {
                long now = System.nanoTime();
                if (now - last < 10_000_000_000L) return;
                last = now;
                System.out.printf("  %.0f s (cpu %.0f s): %s %.0f/%.0f%n", (now - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9,
                        message, done, total);
            }

            @Override
            public boolean isCancelled() { return false; }
        };
        SensitivityResult r = SensitivityAnalysis.run(s, SensitivitySettings.defaults(), null, cores, printing);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        System.out.printf("sensitivity resnet50: wall %.1f s, process CPU %.1f s (= %.1f s on %d idle cores), load average %.1f%n",
                seconds, cpu, cpu / cores, cores, os.getSystemLoadAverage());
        long measured = r.groups().stream().filter(SensitivityResult.Group::measured).count();
        System.out.printf("sensitivity resnet50: %d groups x %d ratios x %d samples in %.1f s on %d cores (most sensitive: %s)%n",
                measured, r.settings().ratios().size(), r.settings().samples(), seconds, cores, r.ranking().get(0).id());
        assertEquals(r.groups().size(), measured);
        assertTrue(seconds < 300, "took " + seconds + " s");
    }
}
