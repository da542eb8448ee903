package dev.lopper.runtime;

/**
 * One run: which model ({@code model} is the session label), its index among the timed (or warm-up) runs,
 * and its wall time.
 */
public record LatencyPoint(String model, int index, boolean warmup, double millis) {}
