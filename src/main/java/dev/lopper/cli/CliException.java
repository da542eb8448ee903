package dev.lopper.cli;

/** A failure whose message is shown to the user as it is (one line, exit code 1). */
public class CliException extends RuntimeException {
    public CliException(String message) { super(message); }

    public CliException(String message, Throwable cause) { super(message, cause); }
}
