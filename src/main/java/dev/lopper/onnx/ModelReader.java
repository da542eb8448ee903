package dev.lopper.onnx;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import com.google.protobuf.InvalidProtocolBufferException;

/** Reads ONNX files through a memory map and validates what every later stage relies on. */
public final class ModelReader {
    private ModelReader() {}

    public static OnnxModel read(Path path) throws ModelLoadException {
        if (!Files.exists(path)) throw new ModelLoadException(path, "no such file");
        if (Files.isDirectory(path)) throw new ModelLoadException(path, "is a directory, not an ONNX file");
        OnnxModel model;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) throw new ModelLoadException(path, "file is empty");
            if (size > Integer.MAX_VALUE) {
                throw new ModelLoadException(path, "file is larger than 2 GB; ONNX keeps such weights as external data");
            }
            MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            model = OnnxModel.parse(path, mapped);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelLoadException(path, "not a valid ONNX protobuf (" + firstLine(e.getMessage()) + ")", e);
        } catch (IOException e) {
            throw new ModelLoadException(path, firstLine(e.getMessage()), e);
        }
        ModelValidator.validate(model);
        return model;
    }

    static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
