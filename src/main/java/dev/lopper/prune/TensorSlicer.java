package dev.lopper.prune;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;

import com.google.protobuf.ByteString;

import dev.lopper.onnx.ElementType;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Removes positions from tensors along axes with bulk copies of contiguous runs (no per-element decoding).
 * Raw, typed-field and external tensors are read; the result is always inline raw data of the same type.
 */
public final class TensorSlicer {
    private TensorSlicer() {}

    /** The tensor with the given positions removed along each axis (axis → removed positions). */
    public static TensorProto remove(OnnxModel model, TensorProto t, Map<Integer, BitSet> removed) throws ModelLoadException {
        int bits = ElementType.bits(t.getDataType());
        if (bits < 8 || bits % 8 != 0) {
            throw new IllegalArgumentException("cannot slice tensor '" + t.getName() + "' of type " + ElementType.name(t.getDataType()));
        }
        int esize = bits / 8;
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        byte[] bytes = rawBytes(model, t, esize);
        for (Map.Entry<Integer, BitSet> e : new TreeMap<>(removed).entrySet()) {
            int axis = e.getKey();
            int n = Math.toIntExact(dims[axis]);
            BitSet gone = e.getValue();
            int[] keep = new int[n - gone.cardinality()];
            for (int i = 0, k = 0; i < n; i++) if (!gone.get(i)) keep[k++] = i;
            bytes = keepAlongAxis(bytes, dims, axis, keep, esize);
            dims[axis] = keep.length;
        }
        TensorProto.Builder b = t.toBuilder().clearDims().clearRawData().clearFloatData().clearDoubleData()
                .clearInt32Data().clearInt64Data().clearUint64Data().clearExternalData()
                .setDataLocation(TensorProto.DataLocation.DEFAULT);
        for (long d : dims) b.addDims(d);
        b.setRawData(ByteString.copyFrom(bytes));
        return b.build();
    }

    /** Keeps positions {@code keep} (ascending) along {@code axis} of a dense little-endian array. */
    public static byte[] keepAlongAxis(byte[] src, long[] dims, int axis, int[] keep, int esize) {
        long outer = 1;
        for (int i = 0; i < axis; i++) outer *= dims[i];
        long inner = esize;
        for (int i = axis + 1; i < dims.length; i++) inner *= dims[i];
        int n = Math.toIntExact(dims[axis]);
        int in = Math.toIntExact(inner);
        byte[] dst = new byte[Math.toIntExact(outer * keep.length * inner)];
        int pos = 0;
        for (long o = 0; o < outer; o++) {
            long base = o * n;
            int i = 0;
            while (i < keep.length) {
                int j = i;
                while (j + 1 < keep.length && keep[j + 1] == keep[j] + 1) j++;
                int len = (j - i + 1) * in;
                System.arraycopy(src, Math.toIntExact((base + keep[i]) * inner), dst, pos, len);
                pos += len;
                i = j + 1;
            }
        }
        return dst;
    }

    /** Dense little-endian bytes of a tensor, whatever its storage. */
    public static byte[] rawBytes(OnnxModel model, TensorProto t, int esize) throws ModelLoadException {
        if (OnnxModel.isExternal(t)) {
            ByteBuffer b = model.externalBytes(t);
            byte[] r = new byte[b.remaining()];
            b.duplicate().get(r);
            return r;
        }
        if (t.hasRawData()) return t.getRawData().toByteArray();
        long n = 1;
        for (long d : t.getDimsList()) n *= d;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(n * esize)).order(ByteOrder.LITTLE_ENDIAN);
        DataType dt = DataType.forNumber(t.getDataType());
        for (int i = 0; i < n; i++) {
            switch (dt) {
                case FLOAT -> out.putFloat(t.getFloatData(i));
                case DOUBLE -> out.putDouble(t.getDoubleData(i));
                case INT64 -> out.putLong(t.getInt64Data(i));
                case UINT64 -> out.putLong(t.getUint64Data(i));
                case UINT32 -> out.putInt((int) t.getUint64Data(i));
                case INT32 -> out.putInt(t.getInt32Data(i));
                case INT16, UINT16, FLOAT16, BFLOAT16 -> out.putShort((short) t.getInt32Data(i));
                case INT8, UINT8, BOOL -> out.put((byte) t.getInt32Data(i));
                default -> throw new IllegalArgumentException("cannot slice tensor '" + t.getName() + "' of type " + dt);
            }
        }
        return out.array();
    }
}
