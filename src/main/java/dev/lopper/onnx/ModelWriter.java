package dev.lopper.onnx;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.StringStringEntryProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;
import dev.lopper.task.Progress;

/**
 * Writes ONNX models atomically: every file goes to a temporary file in the target folder, is flushed to
 * disk, then moved into place (atomic rename, or a replacing move where the file system has none).
 *
 * <p>Layout: tensors that were external in the source model stay external; inline tensors of at least
 * {@link Options#externalThresholdBytes()} bytes go external; and when the model would exceed the 2 GB
 * protobuf limit, every tensor of {@value #SPILL_THRESHOLD_BYTES} bytes or more goes external. External
 * data is one file {@code <model file name>.data} next to the model, each tensor at a 64-byte aligned
 * offset, its location written relative. Tensors that were external in the source are copied file to file
 * (kernel copy from the source data file), never through the heap.
 *
 * <p>With {@link Options#DEFAULT}, writing an unedited inline model reproduces its file byte for byte.
 * The writer never writes over the source model or its external data files (real paths are compared,
 * so symbolic links and targets that do not exist yet are covered).
 */
public final class ModelWriter {
    private ModelWriter() {}

    /** ONNX's protobuf limit. */
    public static final long MAX_PROTOBUF_BYTES = Integer.MAX_VALUE;
    /** Tensors this large or larger are moved out when a model must shrink below the protobuf limit. */
    public static final long SPILL_THRESHOLD_BYTES = 1024;
    /** Alignment of each tensor in the external data file. */
    public static final int ALIGNMENT = 64;
    /** Roles of a model's files as outputs of an {@link OutputFiles}. */
    public static final String ROLE_MODEL = "model", ROLE_DATA = "model's external data";

    /**
     * @param externalThresholdBytes inline tensors with at least this many bytes go to external data;
     *                               negative: only what the source kept external (and the 2 GB rule)
     * @param maxModelBytes          largest protobuf written; bigger models spill tensors to external data
     */
    public record Options(long externalThresholdBytes, long maxModelBytes) {
        public static final Options DEFAULT = new Options(-1, MAX_PROTOBUF_BYTES);

        public Options withExternalThreshold(long bytes) { return new Options(bytes, maxModelBytes); }
    }

    /** What was written: the model, its external data file (null if none), and how much went there. */
    public record Result(Path model, Path externalData, int externalTensors, long externalBytes) {}

    /** Writes {@code source} unchanged. */
    public static Result write(OnnxModel source, Path target) throws ModelWriteException {
        return write(source, source.proto(), target, Options.DEFAULT, Progress.NONE);
    }

    /**
     * Writes {@code model}; its external tensors (if any) are read from {@code source}'s folder.
     *
     * @param source the model that was read (protected from being overwritten); null when the model was
     *               built in memory and has no external tensors
     */
    public static Result write(OnnxModel source, ModelProto model, Path target, Options options)
            throws ModelWriteException {
        return write(source, model, target, options, Progress.NONE);
    }

    public static Result write(OnnxModel source, ModelProto model, Path target, Options options, Progress progress)
            throws ModelWriteException {
        try (OutputFiles out = new OutputFiles()) {
            Result r = stage(source, model, target, options, progress, out);
            out.commit();
            return r;
        } catch (ModelWriteException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelWriteException(target, ModelReader.describe(e), e);
        }
    }

    /**
     * Writes {@code model} to temporary files of {@code out} (see {@link OutputFiles}): nothing is in place until
     * {@code out.commit()}, so later steps of a command (e.g. saving a plan) can still fail without leaving a model
     * behind. The source model and its external data files are registered as inputs of {@code out}.
     */
    public static Result stage(OnnxModel source, ModelProto model, Path target, Options options, Progress progress,
                               OutputFiles out) throws ModelWriteException {
        Path modelTarget = target.toAbsolutePath().normalize();
        Path dir = modelTarget.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new ModelWriteException(target, "folder " + dir + " does not exist");
        }
        if (Files.isDirectory(modelTarget)) throw new ModelWriteException(target, "is a directory");
        Path dataTarget = dir.resolve(modelTarget.getFileName() + ".data");
        protectSource(source, target, dataTarget, out);
        out.claim(target, ROLE_MODEL);

        Plan plan = plan(source, model, target, options);
        try {
            ModelProto proto = model;
            Path dataTemp = null;
            long dataBytes = 0;
            int dataTensors = 0;
            if (plan.externalCount > 0) {
                dataTemp = out.stage(dataTarget, ROLE_DATA);
                try (DataWriter w = new DataWriter(source, target, dataTemp, dataTarget.getFileName().toString(),
                        plan, progress)) {
                    proto = TensorRewriter.model(model, w::rewrite);
                    w.finish();
                    dataBytes = w.position;
                    dataTensors = w.tensors;
                }
            }
            int size = proto.getSerializedSize();
            if (size < 0 || size > options.maxModelBytes()) {
                throw new ModelWriteException(target, "model is larger than 2 GB even with its tensors in external data");
            }
            ModelProto finalProto = proto;
            out.write(target, ROLE_MODEL, os -> finalProto.writeTo(os));
            progress.checkCancelled();
            return new Result(modelTarget, dataTemp == null ? null : dataTarget, dataTensors, dataBytes);
        } catch (ModelWriteException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelWriteException(target, ModelReader.describe(e), e);
        } catch (IllegalArgumentException e) {
            throw new ModelWriteException(target, ModelReader.firstLine(e.getMessage()), e);
        }
    }

    // ---------------------------------------------------------------- never over the input

    private static void protectSource(OnnxModel source, Path target, Path dataTarget, OutputFiles out)
            throws ModelWriteException {
        if (source == null) return;
        out.input(source.path(), "model");
        try {
            for (Path p : source.externalDataFiles()) out.input(p, "model's external data file");
        } catch (ModelLoadException e) {
            throw new ModelWriteException(target, e.reason(), e);
        }
        String clash = out.inputAt(dataTarget);
        if (clash != null) {
            throw new ModelWriteException(target, "its external data file " + dataTarget.getFileName()
                    + " would overwrite the input " + clash + " " + OutputFiles.realPath(dataTarget));
        }
    }

    /** The real path of a file that may not exist yet: its folder's real path plus its name. */
    static Path realPath(Path p) {
        return OutputFiles.realPath(p);
    }

    // ---------------------------------------------------------------- layout plan

    private static final class Plan {
        long threshold;        // inline tensors >= this go external; Long.MAX_VALUE: none
        int externalCount;     // tensors that will be external
    }

    private static Plan plan(OnnxModel source, ModelProto model, Path target, Options options) throws ModelWriteException {
        long threshold = options.externalThresholdBytes() < 0 ? Long.MAX_VALUE : options.externalThresholdBytes();
        long[] acc = new long[4]; // 0 inline bytes now, 1 inline bytes kept inline, 2 external count, 3 spillable count
        try {
            TensorWalker.forEach(model, t -> {
                if (OnnxModel.isExternal(t)) {
                    if (source == null) {
                        throw new ModelLoadException(target, "tensor '" + t.getName()
                                + "' refers to external data but no source model was given");
                    }
                    acc[2]++;
                    return;
                }
                long bytes = inlineBytes(t);
                acc[0] += bytes;
                if (externalizable(t) && bytes >= threshold) acc[2]++;
                else acc[1] += bytes;
            });
        } catch (ModelLoadException e) {
            throw new ModelWriteException(target, e.reason(), e);
        }
        long serialized = Integer.toUnsignedLong(model.getSerializedSize());
        long skeleton = Math.max(0, serialized - acc[0]);
        Plan plan = new Plan();
        plan.threshold = threshold;
        if (skeleton + acc[1] > options.maxModelBytes()) {
            plan.threshold = Math.min(threshold, SPILL_THRESHOLD_BYTES);
            long[] count = new long[1];
            TensorWalker.forEachQuietly(model, t -> {
                if (OnnxModel.isExternal(t) || (externalizable(t) && inlineBytes(t) >= plan.threshold)) count[0]++;
            });
            acc[2] = count[0];
        }
        plan.externalCount = (int) acc[2];
        return plan;
    }

    /** Fixed-size, dense, non-empty tensors can live in external data. */
    static boolean externalizable(TensorProto t) {
        int type = t.getDataType();
        return ElementType.bits(type) > 0 && type != DataType.STRING_VALUE && !t.hasSegment()
                && OnnxModel.expectedBytes(t) > 0;
    }

    /** Bytes of values held inside the tensor message. */
    static long inlineBytes(TensorProto t) {
        if (t.hasRawData()) return t.getRawData().size();
        long n = 0;
        n += 4L * t.getFloatDataCount() + 8L * t.getDoubleDataCount() + 8L * t.getInt64DataCount()
                + 8L * t.getUint64DataCount() + 4L * t.getInt32DataCount();
        for (int i = 0; i < t.getStringDataCount(); i++) n += t.getStringData(i).size();
        return n;
    }

    // ---------------------------------------------------------------- external data

    private static final class DataWriter implements AutoCloseable {
        private final OnnxModel source;
        private final Path target;
        private final FileChannel out;
        private final String location;
        private final Plan plan;
        private final Progress progress;
        private final Map<Path, FileChannel> inputs = new HashMap<>();
        private final ByteBuffer zeros = ByteBuffer.allocate(ALIGNMENT);
        long position;
        int tensors;

        DataWriter(OnnxModel source, Path target, Path temp, String location, Plan plan, Progress progress)
                throws IOException {
            this.source = source;
            this.target = target;
            this.out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            this.location = location;
            this.plan = plan;
            this.progress = progress;
        }

        TensorProto rewrite(TensorProto t) throws IOException {
            boolean external = OnnxModel.isExternal(t);
            if (!external && !(externalizable(t) && inlineBytes(t) >= plan.threshold)) return t;
            progress.checkCancelled();
            align();
            long start = position;
            if (external) {
                copyFromSource(t);
            } else if (t.hasRawData()) {
                writeFully(t.getRawData().asReadOnlyByteBuffer());
            } else {
                long count = 1;
                for (int i = 0; i < t.getDimsCount(); i++) count *= t.getDims(i);
                writeFully(ByteBuffer.wrap(TensorCodec.typedToRaw(t, count)));
            }
            long length = position - start;
            tensors++;
            progress.update("writing external data", tensors, plan.externalCount);
            return t.toBuilder()
                    .clearRawData().clearFloatData().clearInt32Data().clearInt64Data().clearDoubleData()
                    .clearUint64Data().clearExternalData()
                    .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", location))
                    .addExternalData(entry("offset", Long.toString(start)))
                    .addExternalData(entry("length", Long.toString(length)))
                    .build();
        }

        private void copyFromSource(TensorProto t) throws IOException {
            ExternalDataRef ref;
            Path file;
            try {
                ref = ExternalDataRef.of(source.path(), t);
                file = ref.resolve(source.path(), source.baseDir());
            } catch (ModelLoadException e) {
                throw new ModelWriteException(target, e.reason(), e);
            }
            FileChannel in = inputs.get(file);
            if (in == null) {
                in = FileChannel.open(file, StandardOpenOption.READ);
                inputs.put(file, in);
            }
            long length = ref.length() >= 0 ? ref.length() : OnnxModel.expectedBytes(t);
            if (length < 0) length = in.size() - ref.offset();
            if (ref.offset() > in.size() || length > in.size() - ref.offset()) {
                throw new ModelWriteException(target, "external data file '" + ref.location()
                        + "' of the input is too short for tensor '" + t.getName() + "'");
            }
            long done = 0;
            while (done < length) {
                long n = in.transferTo(ref.offset() + done, length - done, out);
                if (n <= 0) throw new ModelWriteException(target, "could not copy external data of tensor '" + t.getName() + "'");
                done += n;
            }
            position += length;
        }

        private void align() throws IOException {
            int pad = (int) ((ALIGNMENT - position % ALIGNMENT) % ALIGNMENT);
            if (pad > 0) writeFully(zeros.clear().limit(pad));
        }

        private void writeFully(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) position += out.write(b);
        }

        void finish() throws IOException {
            out.force(true);
        }

        @Override
        public void close() throws IOException {
            for (FileChannel c : inputs.values()) c.close();
            out.close();
        }
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
