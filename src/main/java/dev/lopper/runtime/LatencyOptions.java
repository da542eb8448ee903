package dev.lopper.runtime;

/** Warm-up runs (not timed) and timed runs. */
public record LatencyOptions(int warmupRuns, int timedRuns) {
    public static final LatencyOptions DEFAULT = new LatencyOptions(5, 50);

    public LatencyOptions {
        if (warmupRuns < 0) throw new EvalException("--warmup must be >= 0, got " + warmupRuns);
        if (timedRuns < 1) throw new EvalException("--runs must be >= 1, got " + timedRuns);
    }
}
