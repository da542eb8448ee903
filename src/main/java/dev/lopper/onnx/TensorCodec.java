package dev.lopper.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Bulk conversions between the three ways a tensor's values appear: little-endian {@code raw_data} bytes,
 * the typed fields of {@link TensorProto} ({@code float_data}, {@code int32_data}, ...), and Java float
 * arrays. Loops run over primitive buffers; nothing is boxed.
 *
 * <p>Typed-field conventions (ONNX IR): float/complex64 in {@code float_data}; double/complex128 in
 * {@code double_data}; int64 in {@code int64_data}; uint32/uint64 in {@code uint64_data}; every other
 * fixed-size type in {@code int32_data} — int8/int16 sign-extended, uint8/uint16/bool zero-extended,
 * float16/bfloat16/float8 as their unsigned bit patterns, and 4-bit types as one packed byte (two
 * elements, the first in the low nibble) per entry.
 */
public final class TensorCodec {
    private TensorCodec() {}

    /** Bytes a dense tensor of {@code count} elements of {@code type} occupies; -1 for variable-size or unknown types. */
    public static long byteSize(int type, long count) {
        int bits = ElementType.bits(type);
        if (bits == 0) return -1;
        return (count * bits + 7) / 8;
    }

    /** Number of typed-field entries a tensor of {@code count} elements uses. */
    static long typedEntries(int type, long count) {
        return switch (type) {
            case DataType.COMPLEX64_VALUE, DataType.COMPLEX128_VALUE -> count * 2;
            case DataType.INT4_VALUE, DataType.UINT4_VALUE, DataType.FLOAT4E2M1_VALUE -> (count + 1) / 2;
            default -> count;
        };
    }

    /** Number of entries actually present in the typed field the type uses. */
    static int typedCount(TensorProto p) {
        return switch (p.getDataType()) {
            case DataType.FLOAT_VALUE, DataType.COMPLEX64_VALUE -> p.getFloatDataCount();
            case DataType.DOUBLE_VALUE, DataType.COMPLEX128_VALUE -> p.getDoubleDataCount();
            case DataType.INT64_VALUE -> p.getInt64DataCount();
            case DataType.UINT32_VALUE, DataType.UINT64_VALUE -> p.getUint64DataCount();
            case DataType.STRING_VALUE -> p.getStringDataCount();
            default -> p.getInt32DataCount();
        };
    }

    static ByteBuffer le(ByteBuffer b) {
        return b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    // ---------------------------------------------------------------- raw <-> typed

    /** The little-endian raw bytes of a tensor stored in typed fields (fixed-size types only). */
    public static byte[] typedToRaw(TensorProto p, long count) {
        int type = p.getDataType();
        long bytes = byteSize(type, count);
        if (bytes < 0) throw new IllegalArgumentException("tensor '" + p.getName() + "' of type "
                + ElementType.name(type) + " has no fixed-size encoding");
        long entries = typedEntries(type, count);
        if (typedCount(p) != entries) {
            throw new IllegalArgumentException("tensor '" + p.getName() + "' has " + typedCount(p)
                    + " typed values, expected " + entries);
        }
        byte[] out = new byte[Math.toIntExact(bytes)];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) entries;
        switch (type) {
            case DataType.FLOAT_VALUE, DataType.COMPLEX64_VALUE -> {
                for (int i = 0; i < n; i++) b.putFloat(i * 4, p.getFloatData(i));
            }
            case DataType.DOUBLE_VALUE, DataType.COMPLEX128_VALUE -> {
                for (int i = 0; i < n; i++) b.putDouble(i * 8, p.getDoubleData(i));
            }
            case DataType.INT64_VALUE -> {
                for (int i = 0; i < n; i++) b.putLong(i * 8, p.getInt64Data(i));
            }
            case DataType.UINT64_VALUE -> {
                for (int i = 0; i < n; i++) b.putLong(i * 8, p.getUint64Data(i));
            }
            case DataType.UINT32_VALUE -> {
                for (int i = 0; i < n; i++) b.putInt(i * 4, (int) p.getUint64Data(i));
            }
            case DataType.INT32_VALUE -> {
                for (int i = 0; i < n; i++) b.putInt(i * 4, p.getInt32Data(i));
            }
            case DataType.INT16_VALUE, DataType.UINT16_VALUE, DataType.FLOAT16_VALUE, DataType.BFLOAT16_VALUE -> {
                for (int i = 0; i < n; i++) b.putShort(i * 2, (short) p.getInt32Data(i));
            }
            default -> { // 8-bit and packed 4-bit types: one byte per entry
                for (int i = 0; i < n; i++) out[i] = (byte) p.getInt32Data(i);
            }
        }
        return out;
    }

    /** Fills the typed field of {@code b} (which must have its data_type set) from raw little-endian bytes. */
    public static void rawToTyped(ByteBuffer raw, long count, TensorProto.Builder b) {
        int type = b.getDataType();
        ByteBuffer r = le(raw);
        int n = Math.toIntExact(typedEntries(type, count));
        int base = r.position();
        switch (type) {
            case DataType.FLOAT_VALUE, DataType.COMPLEX64_VALUE -> {
                for (int i = 0; i < n; i++) b.addFloatData(r.getFloat(base + i * 4));
            }
            case DataType.DOUBLE_VALUE, DataType.COMPLEX128_VALUE -> {
                for (int i = 0; i < n; i++) b.addDoubleData(r.getDouble(base + i * 8));
            }
            case DataType.INT64_VALUE -> {
                for (int i = 0; i < n; i++) b.addInt64Data(r.getLong(base + i * 8));
            }
            case DataType.UINT64_VALUE -> {
                for (int i = 0; i < n; i++) b.addUint64Data(r.getLong(base + i * 8));
            }
            case DataType.UINT32_VALUE -> {
                for (int i = 0; i < n; i++) b.addUint64Data(r.getInt(base + i * 4) & 0xffffffffL);
            }
            case DataType.INT32_VALUE -> {
                for (int i = 0; i < n; i++) b.addInt32Data(r.getInt(base + i * 4));
            }
            case DataType.INT16_VALUE -> {
                for (int i = 0; i < n; i++) b.addInt32Data(r.getShort(base + i * 2));
            }
            case DataType.UINT16_VALUE, DataType.FLOAT16_VALUE, DataType.BFLOAT16_VALUE -> {
                for (int i = 0; i < n; i++) b.addInt32Data(r.getShort(base + i * 2) & 0xffff);
            }
            case DataType.INT8_VALUE -> {
                for (int i = 0; i < n; i++) b.addInt32Data(r.get(base + i));
            }
            default -> { // uint8, bool, float8, packed 4-bit
                if (ElementType.bits(type) == 0) {
                    throw new IllegalArgumentException("no fixed-size encoding for " + ElementType.name(type));
                }
                for (int i = 0; i < n; i++) b.addInt32Data(r.get(base + i) & 0xff);
            }
        }
    }

    // ---------------------------------------------------------------- raw -> float

    /** Decodes {@code n} elements of raw little-endian data to float. Complex and string types are refused. */
    public static float[] rawToFloats(int type, ByteBuffer raw, int n) {
        ByteBuffer r = le(raw);
        float[] out = new float[n];
        int base = r.position();
        switch (type) {
            case DataType.FLOAT_VALUE -> r.asFloatBuffer().get(out, 0, n);
            case DataType.DOUBLE_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = (float) r.getDouble(base + i * 8);
            }
            case DataType.FLOAT16_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = Half.toFloat(r.getShort(base + i * 2));
            }
            case DataType.BFLOAT16_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((r.getShort(base + i * 2) & 0xffff) << 16);
            }
            case DataType.INT8_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = r.get(base + i);
            }
            case DataType.UINT8_VALUE, DataType.BOOL_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = r.get(base + i) & 0xff;
            }
            case DataType.INT16_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = r.getShort(base + i * 2);
            }
            case DataType.UINT16_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = r.getShort(base + i * 2) & 0xffff;
            }
            case DataType.INT32_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = r.getInt(base + i * 4);
            }
            case DataType.UINT32_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = r.getInt(base + i * 4) & 0xffffffffL;
            }
            case DataType.INT64_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = r.getLong(base + i * 8);
            }
            case DataType.UINT64_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = unsignedToFloat(r.getLong(base + i * 8));
            }
            case DataType.FLOAT8E4M3FN_VALUE, DataType.FLOAT8E4M3FNUZ_VALUE, DataType.FLOAT8E5M2_VALUE,
                    DataType.FLOAT8E5M2FNUZ_VALUE -> {
                float[] t = Float8.table(type);
                for (int i = 0; i < n; i++) out[i] = t[r.get(base + i) & 0xff];
            }
            case DataType.FLOAT4E2M1_VALUE -> {
                float[] t = Float8.table(type);
                for (int i = 0; i < n; i++) out[i] = t[nibble(r.get(base + (i >> 1)), i)];
            }
            case DataType.INT4_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = (nibble(r.get(base + (i >> 1)), i) << 28) >> 28;
            }
            case DataType.UINT4_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = nibble(r.get(base + (i >> 1)), i);
            }
            default -> throw new IllegalArgumentException("cannot convert " + ElementType.name(type) + " to float");
        }
        return out;
    }

    /** Decodes a tensor stored in typed fields to float. */
    public static float[] typedToFloats(TensorProto p, int n) {
        if (p.getDataType() == DataType.FLOAT_VALUE) {
            if (p.getFloatDataCount() != n) {
                throw new IllegalArgumentException("tensor '" + p.getName() + "' has " + p.getFloatDataCount()
                        + " values, expected " + n);
            }
            float[] out = new float[n];
            for (int i = 0; i < n; i++) out[i] = p.getFloatData(i);
            return out;
        }
        return rawToFloats(p.getDataType(), ByteBuffer.wrap(typedToRaw(p, n)), n);
    }

    private static int nibble(byte b, int i) {
        return (i & 1) == 0 ? (b & 0x0f) : ((b >> 4) & 0x0f);
    }

    private static float unsignedToFloat(long v) {
        return v >= 0 ? (float) v : (float) ((double) (v >>> 1) * 2.0 + (v & 1));
    }

    // ---------------------------------------------------------------- float -> raw

    /**
     * Encodes floats as raw little-endian data of {@code type}: floats round to nearest (ties to even);
     * float8/float4 saturate; integers round half to even and clamp to the type's range; bool is v != 0.
     */
    public static byte[] floatsToRaw(int type, float[] v) {
        int n = v.length;
        long size = byteSize(type, n);
        if (size < 0 || type == DataType.COMPLEX64_VALUE || type == DataType.COMPLEX128_VALUE) {
            throw new IllegalArgumentException("cannot encode floats as " + ElementType.name(type));
        }
        byte[] out = new byte[Math.toIntExact(size)];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case DataType.FLOAT_VALUE -> b.asFloatBuffer().put(v);
            case DataType.DOUBLE_VALUE -> {
                for (int i = 0; i < n; i++) b.putDouble(i * 8, v[i]);
            }
            case DataType.FLOAT16_VALUE -> {
                for (int i = 0; i < n; i++) b.putShort(i * 2, Half.fromFloat(v[i]));
            }
            case DataType.BFLOAT16_VALUE -> {
                for (int i = 0; i < n; i++) b.putShort(i * 2, Half.floatToBfloat16(v[i]));
            }
            case DataType.BOOL_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = (byte) (v[i] != 0 ? 1 : 0);
            }
            case DataType.INT8_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = (byte) clamp(v[i], -128, 127);
            }
            case DataType.UINT8_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = (byte) clamp(v[i], 0, 255);
            }
            case DataType.INT16_VALUE -> {
                for (int i = 0; i < n; i++) b.putShort(i * 2, (short) clamp(v[i], -32768, 32767));
            }
            case DataType.UINT16_VALUE -> {
                for (int i = 0; i < n; i++) b.putShort(i * 2, (short) clamp(v[i], 0, 65535));
            }
            case DataType.INT32_VALUE -> {
                for (int i = 0; i < n; i++) b.putInt(i * 4, (int) clamp(v[i], Integer.MIN_VALUE, Integer.MAX_VALUE));
            }
            case DataType.UINT32_VALUE -> {
                for (int i = 0; i < n; i++) b.putInt(i * 4, (int) clamp(v[i], 0, 0xffffffffL));
            }
            case DataType.INT64_VALUE -> {
                for (int i = 0; i < n; i++) b.putLong(i * 8, Float.isNaN(v[i]) ? 0 : (long) Math.rint(v[i]));
            }
            case DataType.UINT64_VALUE -> {
                for (int i = 0; i < n; i++) {
                    double d = Math.rint(v[i]);
                    long u = !(d > 0) ? 0 : d >= 0x1p64 ? -1L : d >= 0x1p63 ? ((long) (d - 0x1p63)) ^ Long.MIN_VALUE : (long) d;
                    b.putLong(i * 8, u);
                }
            }
            case DataType.FLOAT8E4M3FN_VALUE, DataType.FLOAT8E4M3FNUZ_VALUE, DataType.FLOAT8E5M2_VALUE,
                    DataType.FLOAT8E5M2FNUZ_VALUE -> {
                for (int i = 0; i < n; i++) out[i] = (byte) Float8.fromFloat(type, v[i]);
            }
            case DataType.FLOAT4E2M1_VALUE -> {
                for (int i = 0; i < n; i++) putNibble(out, i, Float8.fromFloat(type, v[i]));
            }
            case DataType.INT4_VALUE -> {
                for (int i = 0; i < n; i++) putNibble(out, i, (int) clamp(v[i], -8, 7));
            }
            case DataType.UINT4_VALUE -> {
                for (int i = 0; i < n; i++) putNibble(out, i, (int) clamp(v[i], 0, 15));
            }
            default -> throw new IllegalArgumentException("cannot encode floats as " + ElementType.name(type));
        }
        return out;
    }

    private static long clamp(float v, long lo, long hi) {
        if (Float.isNaN(v)) return 0;
        double r = Math.rint(v);
        return r <= lo ? lo : r >= hi ? hi : (long) r;
    }

    static void putNibble(byte[] out, int i, int v) {
        int idx = i >> 1;
        if ((i & 1) == 0) out[idx] = (byte) ((out[idx] & 0xf0) | (v & 0x0f));
        else out[idx] = (byte) ((out[idx] & 0x0f) | ((v & 0x0f) << 4));
    }

    /** Wraps bytes this code owns (and no longer changes) as a ByteString without copying. */
    static ByteString wrap(byte[] bytes) {
        return UnsafeByteOperations.unsafeWrap(bytes);
    }
}
