package dev.lopper.onnx;

import java.nio.ByteBuffer;

import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

/** ONNX element types: names, sizes, and decoding of single elements from raw or typed storage. */
public final class ElementType {
    private ElementType() {}

    public static String name(int type) {
        DataType dt = DataType.forNumber(type);
        return dt == null ? "type" + type : dt.name().toLowerCase();
    }

    public static boolean isKnown(int type) {
        return DataType.forNumber(type) != null && type != 0;
    }

    /** Bits per element; 0 for variable-size (string) or unknown types. */
    public static int bits(int type) {
        DataType dt = DataType.forNumber(type);
        if (dt == null) return 0;
        return switch (dt) {
            case FLOAT, INT32, UINT32 -> 32;
            case UINT8, INT8, BOOL, FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ -> 8;
            case UINT16, INT16, FLOAT16, BFLOAT16 -> 16;
            case INT64, DOUBLE, UINT64, COMPLEX64 -> 64;
            case COMPLEX128 -> 128;
            case UINT4, INT4, FLOAT4E2M1 -> 4;
            default -> 0;
        };
    }

    public static boolean isFloating(int type) {
        DataType dt = DataType.forNumber(type);
        if (dt == null) return false;
        return switch (dt) {
            case FLOAT, DOUBLE, FLOAT16, BFLOAT16, FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ,
                    FLOAT4E2M1 -> true;
            default -> false;
        };
    }

    static double decode(int type, ByteBuffer raw, TensorProto p, int i) {
        DataType dt = DataType.forNumber(type);
        if (dt == null) throw new IllegalArgumentException("unknown element type " + type);
        if (raw != null) {
            return switch (dt) {
                case FLOAT -> raw.getFloat(i * 4);
                case DOUBLE -> raw.getDouble(i * 8);
                case FLOAT16 -> Half.toFloat(raw.getShort(i * 2));
                case BFLOAT16 -> Float.intBitsToFloat((raw.getShort(i * 2) & 0xffff) << 16);
                case INT8 -> raw.get(i);
                case UINT8, BOOL -> raw.get(i) & 0xff;
                case INT16 -> raw.getShort(i * 2);
                case UINT16 -> raw.getShort(i * 2) & 0xffff;
                case INT32 -> raw.getInt(i * 4);
                case UINT32 -> raw.getInt(i * 4) & 0xffffffffL;
                case INT64 -> raw.getLong(i * 8);
                case UINT64 -> unsigned(raw.getLong(i * 8));
                case INT4 -> (byte) (nibble(raw.get(i / 2), i) << 4) >> 4;
                case UINT4 -> nibble(raw.get(i / 2), i);
                case FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ, FLOAT4E2M1 ->
                        Float8.toFloat(dt, i, raw, null);
                default -> throw new IllegalArgumentException("cannot decode " + name(type) + " as a number");
            };
        }
        return switch (dt) {
            case FLOAT -> p.getFloatData(i);
            case DOUBLE -> p.getDoubleData(i);
            case FLOAT16 -> Half.toFloat((short) p.getInt32Data(i));
            case BFLOAT16 -> Float.intBitsToFloat((p.getInt32Data(i) & 0xffff) << 16);
            case INT8, UINT8, BOOL, INT16, UINT16, INT32 -> p.getInt32Data(i);
            case UINT32 -> p.getUint64Data(i);
            case UINT64 -> unsigned(p.getUint64Data(i));
            case INT64 -> p.getInt64Data(i);
            case INT4 -> (byte) (nibble((byte) p.getInt32Data(i / 2), i) << 4) >> 4;
            case UINT4 -> nibble((byte) p.getInt32Data(i / 2), i);
            case FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ, FLOAT4E2M1 -> Float8.toFloat(dt, i, null, p);
            default -> throw new IllegalArgumentException("cannot decode " + name(type) + " as a number");
        };
    }

    static long decodeLong(int type, ByteBuffer raw, TensorProto p, int i) {
        if (type == DataType.INT64_VALUE) return raw != null ? raw.getLong(i * 8) : p.getInt64Data(i);
        if (type == DataType.UINT64_VALUE) return raw != null ? raw.getLong(i * 8) : p.getUint64Data(i);
        return (long) decode(type, raw, p, i);
    }

    private static int nibble(byte b, int i) {
        return (i % 2 == 0) ? (b & 0x0f) : ((b >> 4) & 0x0f);
    }

    private static double unsigned(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }
}
