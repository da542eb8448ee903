package dev.lopper.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import com.google.protobuf.ByteString;

import dev.lopper.onnx.ElementType;
import dev.lopper.onnx.Half;
import dev.lopper.onnx.TensorData;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

/**
 * The value of a small tensor known before running the model, used by constant folding.
 * Integer and bool tensors keep their elements as {@code long}, floating ones as {@code double}.
 * <p>
 * An integer value may be <em>partially</em> known (a shape computation over a model input with a
 * symbolic dim): then {@link #symbol(int)} names the element ({@code "batch"}) or is {@link #UNKNOWN}
 * when nothing is known about it. A partial value is never written as a constant; it lets shape
 * inference give {@code Reshape}/{@code Expand}/{@code ConstantOfShape} outputs named dims.
 */
public final class TensorValue {
    /** Marks an element about which nothing is known. */
    public static final String UNKNOWN = "?";

    private final int elemType;
    private final long[] dims;
    private final long[] ints;
    private final double[] reals;
    private final String[] symbols;

    private TensorValue(int elemType, long[] dims, long[] ints, double[] reals, String[] symbols) {
        this.elemType = elemType;
        this.dims = dims;
        this.ints = ints;
        this.reals = reals;
        this.symbols = symbols;
    }

    public static TensorValue ofLongs(int elemType, long[] dims, long[] values) {
        return new TensorValue(elemType, dims.clone(), values, null, null);
    }

    public static TensorValue ofDoubles(int elemType, long[] dims, double[] values) {
        return new TensorValue(elemType, dims.clone(), null, values, null);
    }

    /** Integer value whose elements may be symbolic: {@code symbols[k] != null} means element k is not a number. */
    public static TensorValue ofSymbolic(int elemType, long[] dims, long[] values, String[] symbols) {
        boolean any = false;
        if (symbols != null) for (String s : symbols) if (s != null) { any = true; break; }
        return new TensorValue(elemType, dims.clone(), values, null, any ? symbols : null);
    }

    /** 1-D int64 value holding a shape (the result of the ONNX {@code Shape} op). */
    public static TensorValue ofShape(Shape s, int from, int to) {
        int n = Math.max(0, to - from);
        long[] v = new long[n];
        String[] sym = new String[n];
        for (int i = 0; i < n; i++) {
            long d = s.dims()[from + i];
            v[i] = d;
            if (d < 0) sym[i] = s.symbols()[from + i] != null ? s.symbols()[from + i] : UNKNOWN;
        }
        return ofSymbolic(DataType.INT64_VALUE, new long[] {n}, v, sym);
    }

    public static boolean isIntegral(int elemType) {
        return !ElementType.isFloating(elemType) && elemType != DataType.STRING_VALUE && elemType != 0
                && elemType != DataType.COMPLEX64_VALUE && elemType != DataType.COMPLEX128_VALUE;
    }

    /** Decodes a stored tensor; null when it is not numeric. */
    public static TensorValue of(TensorData d) {
        int t = d.elemType();
        if (t == DataType.STRING_VALUE || !ElementType.isKnown(t) || ElementType.bits(t) == 0) return null;
        if (isIntegral(t)) return ofLongs(t, d.dims(), d.toLongArray());
        return ofDoubles(t, d.dims(), d.toDoubleArray());
    }

    public int elemType() { return elemType; }

    public long[] dims() { return dims.clone(); }

    public int rank() { return dims.length; }

    public int size() {
        return ints != null ? ints.length : reals.length;
    }

    public boolean isIntegral() { return ints != null; }

    /** True when every element is a number. */
    public boolean isKnown() { return symbols == null; }

    /** True when element k is a number. */
    public boolean isKnown(int k) { return symbols == null || symbols[k] == null; }

    /** Symbol of element k: a dim name, {@link #UNKNOWN}, or null when the element is a number. */
    public String symbol(int k) { return symbols == null ? null : symbols[k]; }

    public long getLong(int k) { return ints != null ? ints[k] : (long) reals[k]; }

    public double getDouble(int k) { return ints != null ? ints[k] : reals[k]; }

    public long[] longs() {
        if (ints != null) return ints.clone();
        long[] r = new long[reals.length];
        for (int i = 0; i < r.length; i++) r[i] = (long) reals[i];
        return r;
    }

    public double[] doubles() {
        if (reals != null) return reals.clone();
        double[] r = new double[ints.length];
        for (int i = 0; i < r.length; i++) r[i] = ints[i];
        return r;
    }

    /** The value read as a shape: known elements as sizes, symbolic ones as named or unknown dims. */
    public Shape asShape() {
        int n = size();
        long[] d = new long[n];
        String[] s = new String[n];
        for (int i = 0; i < n; i++) {
            if (isKnown(i)) d[i] = getLong(i);
            else {
                d[i] = -1;
                s[i] = UNKNOWN.equals(symbols[i]) ? null : symbols[i];
            }
        }
        return new Shape(d, s);
    }

    /** Same elements, other dims (Reshape, Unsqueeze, Squeeze). */
    public TensorValue reshaped(long[] newDims) {
        return new TensorValue(elemType, newDims.clone(), ints, reals, symbols);
    }

    /** Encodes a fully known value as a tensor named {@code name} (raw little-endian data). */
    public TensorProto toProto(String name) {
        if (!isKnown()) throw new IllegalStateException("value of '" + name + "' is not fully known");
        int n = size();
        int bits = ElementType.bits(elemType);
        ByteBuffer b = ByteBuffer.allocate((int) (((long) n * bits + 7) / 8)).order(ByteOrder.LITTLE_ENDIAN);
        DataType dt = DataType.forNumber(elemType);
        for (int i = 0; i < n; i++) {
            switch (dt) {
                case FLOAT -> b.putFloat((float) getDouble(i));
                case DOUBLE -> b.putDouble(getDouble(i));
                case FLOAT16 -> b.putShort(Half.fromFloat((float) getDouble(i)));
                case BFLOAT16 -> b.putShort((short) (Float.floatToIntBits((float) getDouble(i)) >>> 16));
                case INT64, UINT64 -> b.putLong(getLong(i));
                case INT32, UINT32 -> b.putInt((int) getLong(i));
                case INT16, UINT16 -> b.putShort((short) getLong(i));
                case INT8, UINT8 -> b.put((byte) getLong(i));
                case BOOL -> b.put((byte) (getLong(i) != 0 ? 1 : 0));
                default -> throw new IllegalStateException("cannot encode " + ElementType.name(elemType));
            }
        }
        b.flip();
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(elemType)
                .setRawData(ByteString.copyFrom(b));
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    /** True when the element type can be encoded by {@link #toProto}. */
    public static boolean encodable(int elemType) {
        DataType dt = DataType.forNumber(elemType);
        if (dt == null) return false;
        return switch (dt) {
            case FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT64, UINT64, INT32, UINT32, INT16, UINT16, INT8, UINT8, BOOL -> true;
            default -> false;
        };
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(ElementType.name(elemType)).append(Arrays.toString(dims)).append('{');
        int n = Math.min(size(), 16);
        for (int i = 0; i < n; i++) {
            if (i > 0) b.append(',');
            if (!isKnown(i)) b.append(symbols[i]);
            else if (ints != null) b.append(ints[i]);
            else b.append(reals[i]);
        }
        if (size() > n) b.append(",...");
        return b.append('}').toString();
    }
}
