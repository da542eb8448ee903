package dev.lopper.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import dev.lopper.onnx.ElementType;
import dev.lopper.onnx.Half;
import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

/**
 * A dense tensor in Java memory: ONNX element type, shape, and its bytes (native order, direct buffer so
 * ONNX Runtime can use them without a copy). Elements are read and written as doubles whatever the type.
 */
public final class HostTensor {
    private final int elemType;
    private final long[] shape;
    private final ByteBuffer data;
    private final int elemBytes;

    private HostTensor(int elemType, long[] shape, ByteBuffer data) {
        this.elemType = elemType;
        this.shape = shape.clone();
        this.elemBytes = bytesPerElement(elemType);
        this.data = data.order(ByteOrder.nativeOrder());
    }

    /** A zero-filled tensor. */
    public static HostTensor allocate(int elemType, long... shape) {
        long n = count(shape);
        int eb = bytesPerElement(elemType);
        if (n * eb > Integer.MAX_VALUE) {
            throw new EvalException("a " + ElementType.name(elemType) + Arrays.toString(shape) + " tensor does not fit in one buffer");
        }
        return new HostTensor(elemType, shape, ByteBuffer.allocateDirect((int) (n * eb)));
    }

    public static HostTensor ofFloats(long[] shape, float... values) {
        HostTensor t = allocate(DataType.FLOAT_VALUE, shape);
        check(t, values.length);
        for (int i = 0; i < values.length; i++) t.data.putFloat(i * 4, values[i]);
        return t;
    }

    public static HostTensor ofLongs(long[] shape, long... values) {
        HostTensor t = allocate(DataType.INT64_VALUE, shape);
        check(t, values.length);
        for (int i = 0; i < values.length; i++) t.data.putLong(i * 8, values[i]);
        return t;
    }

    private static void check(HostTensor t, int n) {
        if (t.size() != n) throw new IllegalArgumentException(n + " values for shape " + Arrays.toString(t.shape));
    }

    public int elemType() { return elemType; }

    public long[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    public long dim(int axis) { return shape[axis < 0 ? axis + shape.length : axis]; }

    public int size() { return (int) count(shape); }

    public static long count(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public boolean isFloating() { return ElementType.isFloating(elemType); }

    public double get(int i) {
        int o = i * elemBytes;
        return switch (elemType) {
            case DataType.FLOAT_VALUE -> data.getFloat(o);
            case DataType.DOUBLE_VALUE -> data.getDouble(o);
            case DataType.FLOAT16_VALUE -> Half.toFloat(data.getShort(o));
            case DataType.BFLOAT16_VALUE -> Float.intBitsToFloat((data.getShort(o) & 0xffff) << 16);
            case DataType.INT8_VALUE -> data.get(o);
            case DataType.UINT8_VALUE, DataType.BOOL_VALUE -> data.get(o) & 0xff;
            case DataType.INT16_VALUE -> data.getShort(o);
            case DataType.UINT16_VALUE -> data.getShort(o) & 0xffff;
            case DataType.INT32_VALUE -> data.getInt(o);
            case DataType.UINT32_VALUE -> data.getInt(o) & 0xffffffffL;
            case DataType.INT64_VALUE, DataType.UINT64_VALUE -> data.getLong(o);
            default -> throw new EvalException("cannot read " + ElementType.name(elemType) + " elements");
        };
    }

    /** Writes element {@code i}; integer types round to nearest, bool is {@code v != 0}. */
    public void set(int i, double v) {
        int o = i * elemBytes;
        switch (elemType) {
            case DataType.FLOAT_VALUE -> data.putFloat(o, (float) v);
            case DataType.DOUBLE_VALUE -> data.putDouble(o, v);
            case DataType.FLOAT16_VALUE -> data.putShort(o, Half.fromFloat((float) v));
            case DataType.BFLOAT16_VALUE -> data.putShort(o, toBfloat16((float) v));
            case DataType.INT8_VALUE, DataType.UINT8_VALUE -> data.put(o, (byte) Math.round(v));
            case DataType.BOOL_VALUE -> data.put(o, (byte) (v != 0 ? 1 : 0));
            case DataType.INT16_VALUE, DataType.UINT16_VALUE -> data.putShort(o, (short) Math.round(v));
            case DataType.INT32_VALUE, DataType.UINT32_VALUE -> data.putInt(o, (int) Math.round(v));
            case DataType.INT64_VALUE, DataType.UINT64_VALUE -> data.putLong(o, Math.round(v));
            default -> throw new EvalException("cannot write " + ElementType.name(elemType) + " elements");
        }
    }

    /** Copies {@code n} elements from {@code src} starting at {@code srcPos} into this tensor at {@code dstPos}. */
    public void copyFrom(HostTensor src, int srcPos, int dstPos, int n) {
        if (src.elemType == elemType) {
            ByteBuffer s = src.data.duplicate();
            s.position(srcPos * elemBytes).limit((srcPos + n) * elemBytes);
            ByteBuffer d = data.duplicate();
            d.position(dstPos * elemBytes);
            d.put(s);
        } else {
            for (int i = 0; i < n; i++) set(dstPos + i, src.get(srcPos + i));
        }
    }

    /** All elements as floats. */
    public float[] toFloatArray() {
        int n = size();
        float[] out = new float[n];
        if (elemType == DataType.FLOAT_VALUE) {
            data.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().get(out);
        } else {
            for (int i = 0; i < n; i++) out[i] = (float) get(i);
        }
        return out;
    }

    /** A copy holding rows {@code [from, to)} of dim 0. */
    public HostTensor rows(int from, int to) {
        long[] s = shape.clone();
        s[0] = to - from;
        HostTensor r = allocate(elemType, s);
        int per = (int) (count(shape) / Math.max(1, shape[0]));
        r.copyFrom(this, from * per, 0, (to - from) * per);
        return r;
    }

    /** An ONNX Runtime tensor over these bytes (the caller closes it). */
    public OnnxTensor toOrt() {
        try {
            ByteBuffer b = data.duplicate().order(ByteOrder.nativeOrder());
            b.rewind();
            OnnxJavaType type = javaType(elemType, "tensor");
            return switch (type) {
                case FLOAT -> OnnxTensor.createTensor(OrtEnv.get(), b.asFloatBuffer(), shape);
                case DOUBLE -> OnnxTensor.createTensor(OrtEnv.get(), b.asDoubleBuffer(), shape);
                case INT32 -> OnnxTensor.createTensor(OrtEnv.get(), b.asIntBuffer(), shape);
                case INT64 -> OnnxTensor.createTensor(OrtEnv.get(), b.asLongBuffer(), shape);
                case INT16, FLOAT16, BFLOAT16 -> OnnxTensor.createTensor(OrtEnv.get(), b.asShortBuffer(), shape, type);
                default -> OnnxTensor.createTensor(OrtEnv.get(), b, shape, type);
            };
        } catch (OrtException e) {
            throw new EvalException("cannot create an ONNX Runtime tensor: " + EvalException.firstLine(e.getMessage()), e);
        }
    }

    /** Copies an ONNX Runtime tensor into Java memory. */
    public static HostTensor fromOrt(String name, OnnxTensor t) {
        TensorInfo info = t.getInfo();
        int type = onnxType(info);
        if (type == DataType.STRING_VALUE) throw new EvalException("output '" + name + "' is a string tensor; only numbers can be compared");
        ByteBuffer src = t.getByteBuffer();
        if (src == null) throw new EvalException("output '" + name + "' of type " + ElementType.name(type) + " cannot be read from ONNX Runtime");
        src.order(ByteOrder.nativeOrder()).rewind();
        ByteBuffer copy = ByteBuffer.allocateDirect(src.remaining()).order(ByteOrder.nativeOrder());
        copy.put(src).rewind();
        return new HostTensor(type, info.getShape(), copy);
    }

    /** The ONNX DataType number of a tensor (ORT's Java enum numbers differ from ONNX's). */
    static int onnxType(TensorInfo info) {
        String n = info.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "");
        try {
            return DataType.valueOf(n).getNumber();
        } catch (IllegalArgumentException e) {
            return DataType.UNDEFINED_VALUE;
        }
    }

    static OnnxJavaType javaType(int elemType, String name) {
        return switch (elemType) {
            case DataType.FLOAT_VALUE -> OnnxJavaType.FLOAT;
            case DataType.DOUBLE_VALUE -> OnnxJavaType.DOUBLE;
            case DataType.FLOAT16_VALUE -> OnnxJavaType.FLOAT16;
            case DataType.BFLOAT16_VALUE -> OnnxJavaType.BFLOAT16;
            case DataType.INT8_VALUE -> OnnxJavaType.INT8;
            case DataType.UINT8_VALUE -> OnnxJavaType.UINT8;
            case DataType.INT16_VALUE -> OnnxJavaType.INT16;
            case DataType.INT32_VALUE -> OnnxJavaType.INT32;
            case DataType.INT64_VALUE -> OnnxJavaType.INT64;
            case DataType.BOOL_VALUE -> OnnxJavaType.BOOL;
            default -> throw new EvalException("input '" + name + "' has element type " + ElementType.name(elemType)
                    + ", which ONNX Runtime's Java API cannot feed");
        };
    }

    static int bytesPerElementOrZero(int elemType) {
        int bits = ElementType.bits(elemType);
        return bits < 8 || elemType == DataType.STRING_VALUE ? 0 : bits / 8;
    }

    static int bytesPerElement(int elemType) {
        int bits = ElementType.bits(elemType);
        if (bits < 8 || elemType == DataType.STRING_VALUE) {
            throw new EvalException("element type " + ElementType.name(elemType) + " is not supported for evaluation");
        }
        return bits / 8;
    }

    private static short toBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounding = 0x7fff + ((bits >> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** Shape as text, e.g. {@code 1x3x32x32}. */
    public static String shapeText(long[] shape) {
        if (shape.length == 0) return "scalar";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) b.append('x');
            b.append(shape[i] < 0 ? "?" : String.valueOf(shape[i]));
        }
        return b.toString();
    }

    @Override
    public String toString() { return ElementType.name(elemType) + "[" + shapeText(shape) + "]"; }
}
