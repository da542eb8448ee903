package dev.lopper.runtime;

import java.util.Map;

import dev.lopper.task.Progress;

/**
 * Runs two models alternately, A B A B ..., on the same inputs so that machine noise (other processes,
 * frequency changes) affects both alike and the ratio survives it. Warm-up runs alternate too.
 */
public final class InterleavedBench {
    private InterleavedBench() {}

    public static BenchResult run(EvalSession baseline, Map<String, HostTensor> baselineInputs,
                                  EvalSession candidate, Map<String, HostTensor> candidateInputs,
                                  LatencyOptions options, LatencyListener listener, Progress progress) {
        int n = options.timedRuns();
        double[] a = new double[n];
        double[] b = new double[n];
        double[] ratio = new double[n];
        int total = options.warmupRuns() + n;
        try (EvalSession.PreparedInputs pa = baseline.prepare(baselineInputs);
             EvalSession.PreparedInputs pb = candidate.prepare(candidateInputs)) {
            for (int i = 0; i < total; i++) {
                progress.checkCancelled();
                boolean warm = i < options.warmupRuns();
                int idx = warm ? i : i - options.warmupRuns();
                double ta = baseline.runNanos(pa) / 1e6;
                listener.onRun(new LatencyPoint(baseline.label(), idx, warm, ta));
                progress.checkCancelled();
                double tb = candidate.runNanos(pb) / 1e6;
                listener.onRun(new LatencyPoint(candidate.label(), idx, warm, tb));
                if (!warm) {
                    a[idx] = ta;
                    b[idx] = tb;
                    ratio[idx] = ta / tb;
                }
                progress.update(warm ? "warm-up" : "timed runs", i + 1, total);
            }
        }
        LatencyStats sa = LatencyStats.of(a, LatencyBenchmark.batchOf(baselineInputs));
        LatencyStats sb = LatencyStats.of(b, LatencyBenchmark.batchOf(candidateInputs));
        return new BenchResult(sa, sb, sa.medianMs() / sb.medianMs(), LatencyStats.median(ratio));
    }
}
