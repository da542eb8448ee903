package dev.lopper.task;

/** Thrown by work that noticed its {@link Progress} was cancelled. */
public final class CancelledException extends RuntimeException {
    public CancelledException() { super("cancelled"); }
}
