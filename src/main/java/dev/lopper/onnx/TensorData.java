package dev.lopper.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * Decoded view of one tensor: element type, dims, and the values as float/double/long arrays.
 * Values come from raw_data (little-endian) or the typed fields, external data already resolved.
 */
public final class TensorData {
    private final int elemType;
    private final long[] dims;
    private final ByteBuffer raw; // little-endian, may be null when typed fields are used
    private final TensorProto proto;

    TensorData(TensorProto proto, ByteBuffer raw) {
        this.proto = proto;
        this.elemType = proto.getDataType();
        this.dims = proto.getDimsList().stream().mapToLong(Long::longValue).toArray();
        // slice(): index 0 is the tensor's first byte even when the buffer is a window into a memory map
        this.raw = raw == null ? null : raw.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public int elemType() { return elemType; }

    public long[] dims() { return dims.clone(); }

    public long elementCount() {
        long n = 1;
        for (long d : dims) n *= d;
        return n;
    }

    /**
     * Values as float, converting from any numeric element type. float32 raw data is one bulk copy; other
     * types decode in one primitive loop.
     */
    public float[] toFloatArray() {
        int n = Math.toIntExact(elementCount());
        if (raw != null) {
            long need = TensorCodec.byteSize(elemType, n);
            if (need >= 0 && raw.remaining() < need) {
                throw new IllegalArgumentException("tensor '" + proto.getName() + "' has " + raw.remaining()
                        + " bytes of data, needs " + need);
            }
            return TensorCodec.rawToFloats(elemType, raw, n);
        }
        return TensorCodec.typedToFloats(proto, n);
    }

    public String name() { return proto.getName(); }

    /** Values as double, converting from any numeric element type. */
    public double[] toDoubleArray() {
        int n = Math.toIntExact(elementCount());
        double[] out = new double[n];
        if (raw != null && elemType == TensorProto.DataType.DOUBLE_VALUE && raw.remaining() >= 8L * n) {
            raw.asDoubleBuffer().get(out);
            return out;
        }
        for (int i = 0; i < n; i++) out[i] = ElementType.decode(elemType, raw, proto, i);
        return out;
    }

    /** Values as long (integer types; floats are truncated). */
    public long[] toLongArray() {
        int n = Math.toIntExact(elementCount());
        long[] out = new long[n];
        if (raw != null && elemType == TensorProto.DataType.INT64_VALUE && raw.remaining() >= 8L * n) {
            raw.asLongBuffer().get(out);
            return out;
        }
        for (int i = 0; i < n; i++) out[i] = ElementType.decodeLong(elemType, raw, proto, i);
        return out;
    }

    /** The raw little-endian bytes when the tensor stores raw data, else null. */
    public ByteBuffer rawBuffer() { return raw == null ? null : raw.duplicate().order(ByteOrder.LITTLE_ENDIAN); }

    @Override
    public String toString() {
        return ElementType.name(elemType) + Arrays.toString(dims);
    }
}
