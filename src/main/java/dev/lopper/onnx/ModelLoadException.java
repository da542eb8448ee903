package dev.lopper.onnx;

import java.nio.file.Path;

/** A model file could not be read. The message is one line: "cannot read FILE: REASON". */
public class ModelLoadException extends Exception {
    private final Path file;
    private final String reason;

    public ModelLoadException(Path file, String reason) {
        this(file, reason, null);
    }

    public ModelLoadException(Path file, String reason, Throwable cause) {
        super("cannot read " + file + ": " + reason, cause);
        this.file = file;
        this.reason = reason;
    }

    public Path file() { return file; }

    public String reason() { return reason; }
}
