package dev.lopper.onnx;

import java.io.IOException;
import java.nio.file.Path;

/** A model could not be written. The message is one line: "cannot write FILE: REASON". */
public class ModelWriteException extends IOException {
    private final Path file;
    private final String reason;

    public ModelWriteException(Path file, String reason) {
        this(file, reason, null);
    }

    public ModelWriteException(Path file, String reason, Throwable cause) {
        super("cannot write " + file + ": " + reason, cause);
        this.file = file;
        this.reason = reason;
    }

    public Path file() { return file; }

    public String reason() { return reason; }
}
