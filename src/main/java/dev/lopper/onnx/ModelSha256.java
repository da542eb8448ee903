package dev.lopper.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import dev.lopper.task.Progress;

/**
 * SHA-256 of a model file, streamed through a small buffer (a multi-GB file is neither mapped nor loaded).
 * Plans carry it to tell whether they were made for the model they are applied to.
 */
public final class ModelSha256 {
    private ModelSha256() {}

    private static final int BUFFER = 1 << 20;

    /** Lowercase hex SHA-256 of the file's bytes. */
    public static String of(Path file) throws ModelLoadException {
        return of(file, Progress.NONE);
    }

    public static String of(Path file, Progress progress) throws ModelLoadException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
        if (java.nio.file.Files.isDirectory(file)) throw new ModelLoadException(file, "is a directory, not an ONNX file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
            long done = 0;
            while (ch.read(buf) >= 0) {
                buf.flip();
                done += buf.remaining();
                md.update(buf);
                buf.clear();
                progress.update("hashing " + file.getFileName(), done, size);
                progress.checkCancelled();
            }
        } catch (IOException e) {
            throw new ModelLoadException(file, ModelReader.describe(e), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
