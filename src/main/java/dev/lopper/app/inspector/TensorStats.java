package dev.lopper.app.inspector;

/**
 * Summary of a constant tensor's values: count, min, max, mean, standard deviation and a histogram
 * of {@code bins.length} equal-width bins over [min, max]. NaNs are counted apart.
 */
public record TensorStats(long count, double min, double max, double mean, double std, long[] bins, long nanCount) {
    public static TensorStats of(double[] values, int binCount) {
        long n = 0;
        long nan = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        double sumSq = 0;
        for (double v : values) {
            if (Double.isNaN(v)) { nan++; continue; }
            n++;
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
            sumSq += v * v;
        }
        long[] bins = new long[binCount];
        if (n == 0) return new TensorStats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, bins, nan);
        double mean = sum / n;
        double var = Math.max(0, sumSq / n - mean * mean);
        double width = (max - min) / binCount;
        for (double v : values) {
            if (Double.isNaN(v)) continue;
            int b = width == 0 ? 0 : (int) ((v - min) / width);
            bins[Math.min(binCount - 1, Math.max(0, b))]++;
        }
        return new TensorStats(n, min, max, mean, Math.sqrt(var), bins, nan);
    }
}
