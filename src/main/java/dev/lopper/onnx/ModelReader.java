package dev.lopper.onnx;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import com.google.protobuf.InvalidProtocolBufferException;

/**
 * Reads ONNX files through a memory map and validates what every later stage relies on. Every failure is
 * a {@link ModelLoadException} whose message is one line, {@code cannot read FILE: REASON}.
 */
public final class ModelReader {
    private ModelReader() {}

    public static OnnxModel read(Path path) throws ModelLoadException {
        if (!Files.exists(path)) {
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                throw new ModelLoadException(path, "broken symbolic link");
            }
            throw new ModelLoadException(path, "no such file");
        }
        if (Files.isDirectory(path)) throw new ModelLoadException(path, "is a directory, not an ONNX file");
        if (!Files.isRegularFile(path)) throw new ModelLoadException(path, "not a regular file");
        OnnxModel model;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) throw new ModelLoadException(path, "file is empty");
            if (size > Integer.MAX_VALUE) {
                throw new ModelLoadException(path, "file is larger than 2 GB, which no ONNX protobuf can be "
                        + "(large models keep their weights as external data)");
            }
            MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            model = OnnxModel.parse(path, mapped);
        } catch (InvalidProtocolBufferException e) {
            String kind = KnownFormats.sniff(path);
            throw new ModelLoadException(path, kind != null ? "not an ONNX model (" + kind + ")" : describeParseFailure(e), e);
        } catch (IOException e) {
            throw new ModelLoadException(path, describe(e), e);
        } catch (RuntimeException | StackOverflowError e) {
            // protobuf may fail inside lazily checked structures; a corrupt file is never a crash.
            throw new ModelLoadException(path, "not an ONNX model (protobuf data is malformed)", e);
        }
        if (!model.proto().hasGraph()) {
            String kind = KnownFormats.sniff(path);
            if (kind != null) throw new ModelLoadException(path, "not an ONNX model (" + kind + ")");
        }
        ModelValidator.validate(model);
        return model;
    }

    static String describeParseFailure(InvalidProtocolBufferException e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (m.contains("ended unexpectedly") || m.contains("truncated")) {
            return "file is truncated or not an ONNX model (protobuf data ends in the middle of a field)";
        }
        if (m.contains("invalid wire type")) {
            return "not an ONNX model (its protobuf fields do not match the ONNX model schema)";
        }
        if (m.contains("recursion")) {
            return "not an ONNX model (protobuf messages nested too deeply)";
        }
        String detail = firstLine(m).replaceFirst("^Protocol message ", "").replaceAll("\\.$", "");
        return "not an ONNX model (invalid protobuf: " + detail + ")";
    }

    /** A short, one-line description of an I/O failure, without repeating the path. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) return "no such file";
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof FileSystemException fse && fse.getReason() != null) return firstLine(fse.getReason());
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : firstLine(m);
    }

    static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
