package dev.lopper.onnx;

import java.nio.ByteBuffer;

import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

/**
 * The 8-bit and 4-bit float formats of ONNX (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E2M1): decoding by table,
 * encoding by nearest value (ties to even), saturating out-of-range values like ONNX's default
 * {@code saturate=1}.
 */
public final class Float8 {
    private Float8() {}

    private static final class Format {
        final float[] decode;   // code -> value, all codes
        final int maxFinite;    // largest positive finite code
        final int signBit;
        final int nanCode;
        final boolean unsignedZero;

        Format(float[] decode, int maxFinite, int signBit, int nanCode, boolean unsignedZero) {
            this.decode = decode;
            this.maxFinite = maxFinite;
            this.signBit = signBit;
            this.nanCode = nanCode;
            this.unsignedZero = unsignedZero;
        }
    }

    private static final Format E4M3FN = build(4, 3, 7, true, false, 0x7e, 0x7f);
    private static final Format E4M3FNUZ = build(4, 3, 8, true, true, 0x7f, 0x80);
    private static final Format E5M2 = build(5, 2, 15, false, false, 0x7b, 0x7f);
    private static final Format E5M2FNUZ = build(5, 2, 16, false, true, 0x7f, 0x80);
    private static final Format E2M1 = build(2, 1, 1, false, false, 0x7, 0x7);

    private static Format build(int expBits, int mantBits, int bias, boolean finiteOnly, boolean uz,
                                int maxFinite, int nanCode) {
        int total = 1 + expBits + mantBits;
        float[] t = new float[1 << total];
        for (int v = 0; v < t.length; v++) t[v] = (float) decode(v, expBits, mantBits, bias, finiteOnly, uz);
        return new Format(t, maxFinite, 1 << (total - 1), nanCode, uz);
    }

    private static Format format(int type) {
        return switch (type) {
            case DataType.FLOAT8E4M3FN_VALUE -> E4M3FN;
            case DataType.FLOAT8E4M3FNUZ_VALUE -> E4M3FNUZ;
            case DataType.FLOAT8E5M2_VALUE -> E5M2;
            case DataType.FLOAT8E5M2FNUZ_VALUE -> E5M2FNUZ;
            case DataType.FLOAT4E2M1_VALUE -> E2M1;
            default -> throw new IllegalArgumentException("not a float8/float4 type: " + ElementType.name(type));
        };
    }

    /** The value of one code (8 bits, or the low 4 bits for FLOAT4E2M1). */
    public static float toFloat(int type, int code) {
        Format f = format(type);
        return f.decode[code & (f.decode.length - 1)];
    }

    /** The decode table of a type: code -> value (256 entries, 16 for FLOAT4E2M1). Do not modify. */
    static float[] table(int type) {
        return format(type).decode;
    }

    /** The nearest code to {@code v} (ties to even), saturating at the largest finite value. */
    public static int fromFloat(int type, float v) {
        Format f = format(type);
        if (Float.isNaN(v)) return f.nanCode;
        boolean negative = Float.floatToRawIntBits(v) < 0;
        double a = Math.abs((double) v);
        float[] t = f.decode;
        int code;
        if (a >= t[f.maxFinite]) {
            code = f.maxFinite;
        } else {
            int lo = 0;
            int hi = f.maxFinite; // t[lo] <= a < t[hi]
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                if (t[mid] <= a) lo = mid; else hi = mid;
            }
            double below = a - t[lo];
            double above = t[hi] - a;
            code = below < above ? lo : above < below ? hi : ((lo & 1) == 0 ? lo : hi);
        }
        if (negative && !(code == 0 && f.unsignedZero)) code |= f.signBit;
        return code;
    }

    static double toFloat(DataType dt, int i, ByteBuffer raw, TensorProto p) {
        if (dt == DataType.FLOAT4E2M1) {
            int b = raw != null ? raw.get(i / 2) : p.getInt32Data(i / 2);
            int v = (i % 2 == 0) ? (b & 0x0f) : ((b >> 4) & 0x0f);
            return E2M1.decode[v];
        }
        int v = (raw != null ? raw.get(i) : p.getInt32Data(i)) & 0xff;
        return format(dt.getNumber()).decode[v];
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
