package dev.lopper.runtime;

import java.util.Arrays;

/**
 * Summary of timed runs (warm-up excluded). Percentiles interpolate linearly between sorted samples.
 * Throughput is samples per second at the mean latency: {@code batchSize * 1000 / meanMs}.
 */
public record LatencyStats(int runs, int batchSize, double medianMs, double p10Ms, double p90Ms, double meanMs,
                           double minMs, double maxMs, double throughputPerSec) {

    public static LatencyStats of(double[] millis, int batchSize) {
        if (millis.length == 0) throw new IllegalArgumentException("no timed runs");
        double[] s = millis.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(Double.NaN);
        return new LatencyStats(s.length, batchSize, percentile(s, 0.5), percentile(s, 0.1), percentile(s, 0.9), mean,
                s[0], s[s.length - 1], batchSize * 1000.0 / mean);
    }

    /** Linear-interpolated percentile of sorted values, {@code q} in [0, 1]. */
    public static double percentile(double[] sorted, double q) {
        if (sorted.length == 1) return sorted[0];
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    public static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return percentile(s, 0.5);
    }
}
