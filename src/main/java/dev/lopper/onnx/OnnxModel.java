package dev.lopper.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.StringStringEntryProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * A model read from disk: the parsed {@link ModelProto} (raw tensor bytes alias a memory map of the
 * file, so a large file is not copied into the heap) and the folder its external data lives in.
 */
public final class OnnxModel {
    private final Path path;
    private final ModelProto proto;
    private final Map<String, ByteBuffer> externalFiles = new HashMap<>();

    private OnnxModel(Path path, ModelProto proto) {
        this.path = path;
        this.proto = proto;
    }

    /** Wraps a proto that lives in memory; external data (if any) resolves against {@code path}'s folder. */
    public static OnnxModel of(Path path, ModelProto proto) {
        return new OnnxModel(path, proto);
    }

    public static OnnxModel read(Path path) throws ModelLoadException {
        return ModelReader.read(path);
    }

    static OnnxModel parse(Path path, ByteBuffer mapped) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(mapped);
        in.enableAliasing(true);
        in.setSizeLimit(Integer.MAX_VALUE);
        in.setRecursionLimit(1000);
        ModelProto proto = ModelProto.parseFrom(in);
        return new OnnxModel(path, proto);
    }

    public Path path() { return path; }

    public ModelProto proto() { return proto; }

    /** Folder against which external data locations resolve. */
    public Path baseDir() {
        Path parent = path.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    public static boolean isExternal(TensorProto t) {
        return t.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
    }

    /** Decodes a tensor of this model, resolving external data. */
    public TensorData tensor(TensorProto t) throws ModelLoadException {
        if (isExternal(t)) return new TensorData(t, externalBytes(t));
        if (t.hasRawData()) return new TensorData(t, t.getRawData().asReadOnlyByteBuffer());
        return new TensorData(t, null);
    }

    /** Decodes a tensor that must live inside the model (no external data). */
    public static TensorData decodeInline(TensorProto t) {
        if (isExternal(t)) throw new IllegalArgumentException("tensor '" + t.getName() + "' uses external data");
        return new TensorData(t, t.hasRawData() ? t.getRawData().asReadOnlyByteBuffer() : null);
    }

    /** The raw little-endian bytes of an externally stored tensor. */
    public synchronized ByteBuffer externalBytes(TensorProto t) throws ModelLoadException {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = parseLong(e.getValue(), t);
                case "length" -> length = parseLong(e.getValue(), t);
                default -> { }
            }
        }
        if (location == null || location.isEmpty()) {
            throw new ModelLoadException(path, "tensor '" + t.getName() + "' has external data without a location");
        }
        Path file = baseDir().resolve(location).normalize();
        ByteBuffer whole = externalFiles.get(location);
        if (whole == null) {
            if (!Files.isRegularFile(file)) {
                throw new ModelLoadException(path, "external data file '" + location + "' for tensor '"
                        + t.getName() + "' is missing");
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size > Integer.MAX_VALUE) {
                    // Map just this tensor's window.
                    long len = length >= 0 ? length : expectedBytes(t);
                    if (offset + len > size) throw shortFile(file, t, offset, len, size);
                    MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, offset, len);
                    return m.order(ByteOrder.LITTLE_ENDIAN);
                }
                whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
                externalFiles.put(location, whole);
            } catch (IOException e) {
                throw new ModelLoadException(path, "cannot read external data file '" + location + "': " + e.getMessage(), e);
            }
        }
        long len = length >= 0 ? length : expectedBytes(t);
        if (length < 0 && len < 0) len = whole.capacity() - offset;
        if (offset + len > whole.capacity()) throw shortFile(file, t, offset, len, whole.capacity());
        ByteBuffer slice = whole.duplicate();
        slice.position((int) offset).limit((int) (offset + len));
        return slice.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private ModelLoadException shortFile(Path file, TensorProto t, long offset, long len, long size) {
        return new ModelLoadException(path, "external data file '" + file.getFileName() + "' is too short for tensor '"
                + t.getName() + "' (needs bytes " + offset + ".." + (offset + len) + ", file has " + size + ")");
    }

    private long parseLong(String v, TensorProto t) throws ModelLoadException {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ModelLoadException(path, "tensor '" + t.getName() + "' has a bad external data number '" + v + "'");
        }
    }

    /** Bytes a dense tensor of this type and shape occupies, or -1 when not fixed-size. */
    public static long expectedBytes(TensorProto t) {
        int bits = ElementType.bits(t.getDataType());
        if (bits == 0) return -1;
        long n = 1;
        for (long d : t.getDimsList()) n *= d;
        return (n * bits + 7) / 8;
    }
}
