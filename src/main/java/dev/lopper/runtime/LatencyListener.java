package dev.lopper.runtime;

/** Called after every run (warm-up included, flagged) so a chart can stream points. Called on the running thread. */
@FunctionalInterface
public interface LatencyListener {
    void onRun(LatencyPoint point);

    LatencyListener NONE = p -> { };
}
