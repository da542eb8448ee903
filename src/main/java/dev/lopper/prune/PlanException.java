package dev.lopper.prune;

/** A plan cannot be made, read or used; the message is one line meant for the user. */
public class PlanException extends RuntimeException {
    public PlanException(String message) { super(message); }

    public PlanException(String message, Throwable cause) { super(message, cause); }
}
