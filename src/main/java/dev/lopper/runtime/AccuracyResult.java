package dev.lopper.runtime;

/** Top-1 / top-5 accuracy over {@code samples} labelled samples. */
public record AccuracyResult(long samples, long top1Correct, long top5Correct) {
    public double top1() { return samples == 0 ? Double.NaN : (double) top1Correct / samples; }

    public double top5() { return samples == 0 ? Double.NaN : (double) top5Correct / samples; }
}
