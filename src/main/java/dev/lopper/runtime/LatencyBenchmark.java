package dev.lopper.runtime;

import java.util.Map;

import dev.lopper.task.Progress;

/** Warm-up runs, then timed runs of one session on fixed inputs (already in ONNX Runtime memory). */
public final class LatencyBenchmark {
    private LatencyBenchmark() {}

    public static LatencyStats measure(EvalSession session, Map<String, HostTensor> inputs, LatencyOptions options,
                                       LatencyListener listener, Progress progress) {
        int total = options.warmupRuns() + options.timedRuns();
        double[] times = new double[options.timedRuns()];
        try (EvalSession.PreparedInputs prepared = session.prepare(inputs)) {
            for (int i = 0; i < total; i++) {
                progress.checkCancelled();
                double ms = session.runNanos(prepared) / 1e6;
                boolean warm = i < options.warmupRuns();
                int idx = warm ? i : i - options.warmupRuns();
                if (!warm) times[idx] = ms;
                listener.onRun(new LatencyPoint(session.label(), idx, warm, ms));
                progress.update(warm ? "warm-up" : "timed runs", i + 1, total);
            }
        }
        return LatencyStats.of(times, batchOf(inputs));
    }

    /** Size of dim 0 of the first input (1 for scalars). */
    public static int batchOf(Map<String, HostTensor> inputs) {
        for (HostTensor t : inputs.values()) return t.rank() == 0 ? 1 : (int) t.dim(0);
        return 1;
    }
}
