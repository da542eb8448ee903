package dev.lopper.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.google.protobuf.ByteString;

import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Building and cutting tensors for the prune engine. Every method works on primitive buffers (no boxing)
 * and keeps the tensor's name, element type and storage style: raw_data stays raw_data, typed fields stay
 * typed fields. External data is resolved through the model and the result is stored inline (the
 * {@link ModelWriter} decides what goes back to external data).
 */
public final class Tensors {
    private Tensors() {}

    /**
     * Keeps only the given indices along {@code axis} (negative counts from the end). Works for every
     * fixed-size element type (float16/bfloat16/float8 byte-wise, 4-bit types packed two per byte) and
     * for strings.
     *
     * @param model resolves external data; may be null when {@code t} is not external
     * @param keepSortedIndices strictly increasing indices in {@code [0, dims[axis])}
     */
    public static TensorProto slice(OnnxModel model, TensorProto t, int axis, int[] keepSortedIndices)
            throws ModelLoadException {
        return sliceAxes(model, t, new int[] {axis}, new int[][] {keepSortedIndices});
    }

    /**
     * Keeps {@code keep[i]} along {@code axes[i]} for every i (e.g. a Conv weight's output and input
     * channels at once). The data is resolved and re-encoded once, however many axes are cut.
     */
    public static TensorProto sliceAxes(OnnxModel model, TensorProto t, int[] axes, int[][] keep)
            throws ModelLoadException {
        if (axes.length != keep.length) throw new IllegalArgumentException("one index list per axis");
        long[] dims = dims(t);
        int[] ax = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            ax[i] = normalizeAxis(t, dims.length, axes[i]);
            for (int j = 0; j < i; j++) {
                if (ax[j] == ax[i]) throw new IllegalArgumentException("axis " + axes[i] + " given twice");
            }
            checkIndices(t, dims[ax[i]], keep[i]);
        }
        int type = t.getDataType();
        if (t.hasSegment()) throw new IllegalArgumentException("tensor '" + t.getName() + "' is a segment of a larger tensor");
        long count = product(dims, 0, dims.length);
        long[] newDims = dims.clone();
        for (int i = 0; i < ax.length; i++) newDims[ax[i]] = keep[i].length;
        TensorProto.Builder b = cleared(t, newDims);

        if (type == DataType.STRING_VALUE) {
            if (OnnxModel.isExternal(t)) throw new IllegalArgumentException("string tensor '" + t.getName() + "' cannot be external");
            if (t.getStringDataCount() != count) {
                throw new IllegalArgumentException("tensor '" + t.getName() + "' has " + t.getStringDataCount()
                        + " strings, expected " + count);
            }
            java.util.List<ByteString> values = t.getStringDataList();
            long[] cur = dims.clone();
            for (int a = 0; a < ax.length; a++) {
                java.util.List<ByteString> next = new java.util.ArrayList<>();
                long outer = product(cur, 0, ax[a]);
                long inner = product(cur, ax[a] + 1, cur.length);
                for (long o = 0; o < outer; o++) {
                    for (int k : keep[a]) {
                        long start = (o * cur[ax[a]] + k) * inner;
                        for (long i = 0; i < inner; i++) next.add(values.get((int) (start + i)));
                    }
                }
                values = next;
                cur[ax[a]] = keep[a].length;
            }
            return b.addAllStringData(values).build();
        }
        if (ElementType.bits(type) == 0) {
            throw new IllegalArgumentException("cannot slice tensor '" + t.getName() + "' of type " + ElementType.name(type));
        }
        boolean typed = !OnnxModel.isExternal(t) && !t.hasRawData();
        ByteBuffer raw = denseBuffer(model, t, count);
        long need = TensorCodec.byteSize(type, count);
        long[] cur = dims.clone();
        byte[] out = null;
        for (int a = 0; a < ax.length; a++) {
            out = sliceRaw(out == null ? raw : ByteBuffer.wrap(out), type, cur, ax[a], keep[a]);
            cur[ax[a]] = keep[a].length;
        }
        if (out == null) { // no axes: a plain copy
            out = new byte[(int) need];
            raw.duplicate().get(out);
        }
        if (typed) {
            TensorCodec.rawToTyped(ByteBuffer.wrap(out), product(newDims, 0, newDims.length), b);
        } else {
            b.setRawData(TensorCodec.wrap(out));
        }
        return b.build();
    }

    /**
     * The dense little-endian bytes of a fixed-size tensor whatever its storage: raw data, typed fields or
     * external data (resolved through {@code model}, which may be null for inline tensors). A copy.
     */
    public static byte[] denseBytes(OnnxModel model, TensorProto t) throws ModelLoadException {
        if (ElementType.bits(t.getDataType()) == 0) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' of type " + ElementType.name(t.getDataType())
                    + " has no fixed-size encoding");
        }
        ByteBuffer raw = denseBuffer(model, t, product(dims(t), 0, t.getDimsCount()));
        byte[] out = new byte[raw.remaining()];
        raw.duplicate().get(out);
        return out;
    }

    private static ByteBuffer denseBuffer(OnnxModel model, TensorProto t, long count) throws ModelLoadException {
        ByteBuffer raw;
        if (OnnxModel.isExternal(t)) {
            if (model == null) throw new IllegalArgumentException("tensor '" + t.getName() + "' uses external data; pass its model");
            raw = model.externalBytes(t);
        } else if (t.hasRawData()) {
            raw = t.getRawData().asReadOnlyByteBuffer();
        } else {
            raw = ByteBuffer.wrap(TensorCodec.typedToRaw(t, count));
        }
        long need = TensorCodec.byteSize(t.getDataType(), count);
        if (raw.remaining() < need) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' has " + raw.remaining()
                    + " bytes of data, needs " + need);
        }
        return raw;
    }

    /**
     * The raw bytes of a dense tensor (little-endian, {@code dims}, element {@code type}) with only
     * {@code keep} left along {@code axis}. Consecutive kept indices are copied as one block.
     */
    public static byte[] sliceRaw(ByteBuffer raw, int type, long[] dims, int axis, int[] keep) {
        int bits = ElementType.bits(type);
        if (bits == 0) throw new IllegalArgumentException("no fixed-size encoding for " + ElementType.name(type));
        long outer = product(dims, 0, axis);
        long d = dims[axis];
        long inner = product(dims, axis + 1, dims.length);
        int k = keep.length;
        long outCount = outer * k * inner;
        byte[] out = new byte[Math.toIntExact((outCount * bits + 7) / 8)];
        if (outCount == 0) return out;
        ByteBuffer src = raw.duplicate();
        int base = src.position();
        if (bits % 8 == 0 || inner % 2 == 0) {
            long blockBytes = bits % 8 == 0 ? inner * (bits / 8) : inner / 2;
            // runs of consecutive kept indices: [runStart[r], runStart[r] + runLen[r])
            int[] runStart = new int[k];
            int[] runLen = new int[k];
            int runs = 0;
            for (int j = 0; j < k; ) {
                int r = j;
                while (r + 1 < k && keep[r + 1] == keep[r] + 1) r++;
                runStart[runs] = keep[j];
                runLen[runs++] = r - j + 1;
                j = r + 1;
            }
            int pos = 0;
            long rowBytes = d * blockBytes;
            if (runs > 1 && rowBytes <= (1 << 20) && (long) k * blockBytes < 256L * runs) {
                // Many short runs: one bulk read per row, then array copies (much cheaper than many
                // small reads from a direct buffer).
                byte[] row = new byte[(int) rowBytes];
                int bb = (int) blockBytes;
                for (long o = 0; o < outer; o++) {
                    src.get((int) (base + o * rowBytes), row, 0, row.length);
                    for (int r = 0; r < runs; r++) {
                        int len = runLen[r] * bb;
                        System.arraycopy(row, runStart[r] * bb, out, pos, len);
                        pos += len;
                    }
                }
                return out;
            }
            for (long o = 0; o < outer; o++) {
                long rowBase = base + o * rowBytes;
                for (int r = 0; r < runs; r++) {
                    int len = (int) (runLen[r] * blockBytes);
                    src.get((int) (rowBase + runStart[r] * blockBytes), out, pos, len);
                    pos += len;
                }
            }
            return out;
        }
        // 4-bit elements with an odd inner size: move nibble by nibble.
        long dst = 0;
        for (long o = 0; o < outer; o++) {
            for (int j = 0; j < k; j++) {
                long srcElem = (o * d + keep[j]) * inner;
                for (long i = 0; i < inner; i++, dst++) {
                    long e = srcElem + i;
                    byte by = src.get((int) (base + (e >> 1)));
                    int v = (e & 1) == 0 ? (by & 0x0f) : ((by >> 4) & 0x0f);
                    TensorCodec.putNibble(out, (int) dst, v);
                }
            }
        }
        return out;
    }

    /** A tensor of {@code elemType} holding {@code values} (encoded with rounding to the type), stored as raw_data. */
    public static TensorProto fromFloats(String name, int elemType, long[] dims, float[] values) {
        checkCount(name, dims, values.length);
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(elemType);
        for (long dim : dims) b.addDims(dim);
        return b.setRawData(TensorCodec.wrap(TensorCodec.floatsToRaw(elemType, values))).build();
    }

    /** A float32 tensor stored as raw_data. */
    public static TensorProto ofFloats(String name, long[] dims, float[] values) {
        return fromFloats(name, DataType.FLOAT_VALUE, dims, values);
    }

    /** An int64 tensor stored as raw_data. */
    public static TensorProto ofLongs(String name, long[] dims, long[] values) {
        checkCount(name, dims, values.length);
        byte[] out = new byte[Math.multiplyExact(values.length, 8)];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(values);
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(DataType.INT64_VALUE);
        for (long dim : dims) b.addDims(dim);
        return b.setRawData(TensorCodec.wrap(out)).build();
    }

    /**
     * The same tensor (name, element type, dims, storage style) with new values, encoded with rounding to
     * the element type. An external tensor comes back inline as raw_data.
     */
    public static TensorProto replaceValues(TensorProto t, float[] values) {
        long[] dims = dims(t);
        checkCount(t.getName(), dims, values.length);
        TensorProto.Builder b = cleared(t, dims);
        byte[] raw = TensorCodec.floatsToRaw(t.getDataType(), values);
        boolean typed = !t.hasRawData() && !OnnxModel.isExternal(t);
        if (typed) TensorCodec.rawToTyped(ByteBuffer.wrap(raw), values.length, b);
        else b.setRawData(TensorCodec.wrap(raw));
        return b.build();
    }

    /** The tensor's dims as a primitive array. */
    public static long[] dims(TensorProto t) {
        long[] d = new long[t.getDimsCount()];
        for (int i = 0; i < d.length; i++) d[i] = t.getDims(i);
        return d;
    }

    /** A builder with the tensor's metadata, the given dims, and no data. */
    private static TensorProto.Builder cleared(TensorProto t, long[] dims) {
        TensorProto.Builder b = t.toBuilder()
                .clearRawData().clearFloatData().clearInt32Data().clearInt64Data().clearDoubleData()
                .clearUint64Data().clearStringData().clearExternalData().clearDataLocation().clearDims();
        for (long d : dims) b.addDims(d);
        return b;
    }

    private static int normalizeAxis(TensorProto t, int rank, int axis) {
        int ax = axis < 0 ? axis + rank : axis;
        if (ax < 0 || ax >= rank) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for tensor '" + t.getName()
                    + "' of rank " + rank);
        }
        return ax;
    }

    private static void checkIndices(TensorProto t, long dim, int[] keep) {
        int prev = -1;
        for (int k : keep) {
            if (k <= prev || k >= dim) {
                throw new IllegalArgumentException("indices to keep in tensor '" + t.getName()
                        + "' must be strictly increasing and below " + dim + "; got " + k + " after " + prev);
            }
            prev = k;
        }
    }

    private static void checkCount(String name, long[] dims, int count) {
        long n = product(dims, 0, dims.length);
        if (n != count) {
            throw new IllegalArgumentException("tensor '" + name + "' with dims " + java.util.Arrays.toString(dims)
                    + " needs " + n + " values, got " + count);
        }
    }

    static long product(long[] dims, int from, int to) {
        long n = 1;
        for (int i = from; i < to; i++) n = Math.multiplyExact(n, dims[i]);
        return n;
    }

    static ByteString bytes(byte[] b) {
        return TensorCodec.wrap(b);
    }
}
