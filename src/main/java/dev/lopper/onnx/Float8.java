package dev.lopper.onnx;

import java.nio.ByteBuffer;

import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

/** Decoding of the 8-bit and 4-bit float formats of ONNX (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E2M1). */
final class Float8 {
    private Float8() {}

    static double toFloat(DataType dt, int i, ByteBuffer raw, TensorProto p) {
        if (dt == DataType.FLOAT4E2M1) {
            int b = raw != null ? raw.get(i / 2) : p.getInt32Data(i / 2);
            int v = (i % 2 == 0) ? (b & 0x0f) : ((b >> 4) & 0x0f);
            return decode(v, 2, 1, 1, false, false);
        }
        int v = (raw != null ? raw.get(i) : p.getInt32Data(i)) & 0xff;
        return switch (dt) {
            case FLOAT8E4M3FN -> decode(v, 4, 3, 7, true, false);
            case FLOAT8E4M3FNUZ -> decode(v, 4, 3, 8, true, true);
            case FLOAT8E5M2 -> decode(v, 5, 2, 15, false, false);
            case FLOAT8E5M2FNUZ -> decode(v, 5, 2, 16, false, true);
            default -> throw new IllegalArgumentException(dt.name());
        };
    }

    private static double decode(int v, int expBits, int mantBits, int bias, boolean finiteOnly, boolean uz) {
        int total = 1 + expBits + mantBits;
        int sign = (v >> (total - 1)) & 1;
        int exp = (v >> mantBits) & ((1 << expBits) - 1);
        int mant = v & ((1 << mantBits) - 1);
        if (uz && v == (1 << (total - 1))) return Double.NaN;
        int maxExp = (1 << expBits) - 1;
        if (!uz) {
            if (finiteOnly && total == 8 && exp == maxExp && mant == (1 << mantBits) - 1) return Double.NaN;
            if (!finiteOnly && expBits == 5 && exp == maxExp) {
                return mant == 0 ? (sign == 1 ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY) : Double.NaN;
            }
        }
        double m;
        if (exp == 0) {
            m = mant / (double) (1 << mantBits) * Math.pow(2, 1 - bias);
        } else {
            m = (1 + mant / (double) (1 << mantBits)) * Math.pow(2, exp - bias);
        }
        return sign == 1 ? -m : m;
    }
}
