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
import com.google.protobuf.UnsafeByteOperations;

import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * A model read from disk: the parsed {@link ModelProto} (raw tensor bytes alias a memory map of the
 * file, so a large file is not copied into the heap) and the folder its external data lives in.
 */
public final class OnnxModel {
    private final Path path;
    private final ModelProto proto;
    private final Map<Path, ByteBuffer> externalFiles = new HashMap<>();

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
        // Through a ByteString the buffer counts as immutable, which is what lets protobuf alias bytes
        // fields (raw_data) to the map instead of copying them into the heap.
        CodedInputStream in = UnsafeByteOperations.unsafeWrap(mapped).newCodedInput();
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

    /** The raw little-endian bytes of an externally stored tensor (a read-only window of a memory map). */
    public synchronized ByteBuffer externalBytes(TensorProto t) throws ModelLoadException {
        ExternalDataRef ref = ExternalDataRef.of(path, t);
        Path file = ref.resolve(path, baseDir());
        long offset = ref.offset();
        long len = ref.byteCount(t);
        ByteBuffer whole = externalFiles.get(file);
        if (whole == null) {
            if (!Files.isRegularFile(file)) {
                throw new ModelLoadException(path, "external data file '" + ref.location() + "' for tensor '"
                        + t.getName() + "' is missing");
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                if (len < 0) len = size - offset;
                if (offset > size || len > size - offset) throw shortFile(file, t, offset, len, size);
                if (len > Integer.MAX_VALUE) {
                    throw new ModelLoadException(path, "tensor '" + t.getName() + "' has " + len
                            + " bytes of external data; tensors over 2 GB cannot be decoded");
                }
                if (size > Integer.MAX_VALUE) {
                    // Map just this tensor's window.
                    MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, offset, len);
                    return m.order(ByteOrder.LITTLE_ENDIAN);
                }
                whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
                externalFiles.put(file, whole);
            } catch (IOException e) {
                throw new ModelLoadException(path, "cannot read external data file '" + ref.location() + "': "
                        + ModelReader.describe(e), e);
            }
        }
        if (len < 0) len = whole.capacity() - offset;
        if (offset + len > whole.capacity()) throw shortFile(file, t, offset, len, whole.capacity());
        ByteBuffer slice = whole.duplicate();
        slice.position((int) offset).limit((int) (offset + len));
        return slice.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The data file of an externally stored tensor, resolved against this model's folder. */
    public Path externalFile(TensorProto t) throws ModelLoadException {
        return ExternalDataRef.of(path, t).resolve(path, baseDir());
    }

    /**
     * The raw little-endian bytes of a tensor: its external data, or its raw_data; null when the tensor
     * keeps its values in typed fields. Never copies.
     */
    public ByteBuffer rawBytes(TensorProto t) throws ModelLoadException {
        if (isExternal(t)) return externalBytes(t);
        if (t.hasRawData()) return t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        return null;
    }

    /** Every external data file this model's tensors refer to (resolved; the files need not exist). */
    public java.util.Set<Path> externalDataFiles() throws ModelLoadException {
        java.util.Set<Path> files = new java.util.LinkedHashSet<>();
        TensorWalker.forEach(proto, t -> {
            if (isExternal(t)) files.add(externalFile(t));
        });
        return files;
    }

    private ModelLoadException shortFile(Path file, TensorProto t, long offset, long len, long size) {
        return new ModelLoadException(path, "external data file '" + file.getFileName() + "' is too short for tensor '"
                + t.getName() + "' (needs bytes " + offset + ".." + ModelValidator.end(offset, len) + ", file has " + size + ")");
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
