package dev.lopper.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.protobuf.CodedInputStream;

import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.ModelReader;
import dev.lopper.onnx.proto.Onnx.ModelProto;

/**
 * Where a model comes from: a file (external data resolves next to it), or bytes in memory whose
 * external data (if any) lives in {@code externalDataDir}.
 */
public sealed interface ModelSource {
    /** Short name for messages (the file name, or a caller-given label). */
    String label();

    /** The parsed model. */
    ModelProto proto();

    /** Folder external data resolves against, or null. */
    Path externalDataDir();

    record FileModel(Path path) implements ModelSource {
        @Override
        public String label() { return path.toString(); }

        @Override
        public ModelProto proto() {
            try {
                return ModelReader.read(path).proto();
            } catch (ModelLoadException e) {
                throw new EvalException(e.getMessage(), e);
            }
        }

        @Override
        public Path externalDataDir() {
            Path p = path.toAbsolutePath().getParent();
            return p == null ? Path.of(".").toAbsolutePath() : p;
        }
    }

    record BytesModel(byte[] bytes, Path externalDataDir, String label) implements ModelSource {
        @Override
        public ModelProto proto() {
            try {
                CodedInputStream in = CodedInputStream.newInstance(bytes);
                in.setSizeLimit(Integer.MAX_VALUE);
                in.setRecursionLimit(1000);
                return ModelProto.parseFrom(in);
            } catch (IOException e) {
                throw new EvalException(label + ": not a valid ONNX protobuf (" + EvalException.firstLine(e.getMessage()) + ")", e);
            }
        }
    }

    static ModelSource of(Path path) {
        if (!Files.isRegularFile(path)) throw new EvalException("cannot read " + path + ": no such file");
        return new FileModel(path);
    }

    /** Model bytes; {@code externalDataDir} may be null when the model has no external data. */
    static ModelSource of(byte[] bytes, Path externalDataDir, String label) {
        return new BytesModel(bytes, externalDataDir, label);
    }

    /** A proto in memory (must be under 2 GB serialized, as ONNX requires). */
    static ModelSource of(ModelProto proto, Path externalDataDir, String label) {
        return new BytesModel(proto.toByteArray(), externalDataDir, label);
    }
}
