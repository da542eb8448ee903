package dev.lopper.runtime;

/**
 * Interleaved comparison of a baseline (A) and a candidate (B).
 *
 * @param speedup       median(A) / median(B)
 * @param pairedSpeedup median over iterations of A_i / B_i (each pair ran back to back, so slow phases of the
 *                      machine hit both sides)
 */
public record BenchResult(LatencyStats baseline, LatencyStats candidate, double speedup, double pairedSpeedup) {}
