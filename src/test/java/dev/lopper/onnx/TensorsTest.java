package dev.lopper.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.protobuf.ByteString;

import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

class TensorsTest {
    @TempDir
    Path dir;

    static List<DataType> fixedSizeTypes() {
        List<DataType> out = new ArrayList<>();
        for (DataType dt : DataType.values()) {
            if (dt != DataType.UNDEFINED && dt != DataType.STRING && ElementType.bits(dt.getNumber()) > 0) out.add(dt);
        }
        assertEquals(22, out.size()); // every fixed-size type of IR 10
        return out;
    }

    /** Raw bytes where element e carries the pattern e+1 in every byte (4-bit: nibble e+1). */
    static byte[] patterned(int type, int count) {
        int bits = ElementType.bits(type);
        byte[] raw = new byte[(count * bits + 7) / 8];
        for (int e = 0; e < count; e++) {
            if (bits == 4) TensorCodec.putNibble(raw, e, e + 1);
            else for (int k = 0; k < bits / 8; k++) raw[e * bits / 8 + k] = (byte) (e + 1);
        }
        return raw;
    }

    static byte[] pick(int type, int[] elements) {
        int bits = ElementType.bits(type);
        byte[] raw = new byte[(elements.length * bits + 7) / 8];
        for (int i = 0; i < elements.length; i++) {
            int e = elements[i];
            if (bits == 4) TensorCodec.putNibble(raw, i, e + 1);
            else for (int k = 0; k < bits / 8; k++) raw[i * bits / 8 + k] = (byte) (e + 1);
        }
        return raw;
    }

    static TensorProto rawTensor(DataType dt, long[] dims, byte[] raw) {
        TensorProto.Builder b = TensorProto.newBuilder().setName("t_" + dt.name()).setDataType(dt.getNumber())
                .setDocString("kept");
        for (long d : dims) b.addDims(d);
        return b.setRawData(ByteString.copyFrom(raw)).build();
    }

    static TensorProto typedTensor(DataType dt, long[] dims, byte[] raw) {
        TensorProto.Builder b = TensorProto.newBuilder().setName("t_" + dt.name()).setDataType(dt.getNumber());
        for (long d : dims) b.addDims(d);
        long n = Tensors.product(dims, 0, dims.length);
        TensorCodec.rawToTyped(ByteBuffer.wrap(raw), n, b);
        return b.build();
    }

    // dims [2,3,2]: element (o, c, i) = o*6 + c*2 + i
    static final long[] DIMS = {2, 3, 2};
    static final int[][] CASES_KEEP = {{0, 2}, {1}, {1}, {0, 1, 2}, {}};
    static final int[] CASES_AXIS = {1, 0, 2, -2, 1};
    static final int[][] CASES_EXPECT = {
        {0, 1, 4, 5, 6, 7, 10, 11},
        {6, 7, 8, 9, 10, 11},
        {1, 3, 5, 7, 9, 11},          // inner size 1: 4-bit types move nibble by nibble
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
        {},
    };

    @ParameterizedTest
    @MethodSource("fixedSizeTypes")
    void sliceRawKeepsBytesOfEveryType(DataType dt) throws Exception {
        int type = dt.getNumber();
        for (int c = 0; c < CASES_KEEP.length; c++) {
            TensorProto t = rawTensor(dt, DIMS, patterned(type, 12));
            TensorProto s = Tensors.slice(null, t, CASES_AXIS[c], CASES_KEEP[c]);
            assertEquals(t.getName(), s.getName());
            assertEquals(type, s.getDataType());
            assertEquals("kept", s.getDocString());
            assertTrue(s.hasRawData());
            long[] dims = DIMS.clone();
            int ax = CASES_AXIS[c] < 0 ? CASES_AXIS[c] + 3 : CASES_AXIS[c];
            dims[ax] = CASES_KEEP[c].length;
            assertArrayEquals(dims, Tensors.dims(s));
            assertArrayEquals(pick(type, CASES_EXPECT[c]), s.getRawData().toByteArray(), dt + " case " + c);
        }
    }

    @ParameterizedTest
    @MethodSource("fixedSizeTypes")
    void sliceTypedStaysTyped(DataType dt) throws Exception {
        int type = dt.getNumber();
        TensorProto t = typedTensor(dt, DIMS, patterned(type, 12));
        assertFalse(t.hasRawData());
        TensorProto s = Tensors.slice(null, t, 1, new int[] {0, 2});
        assertFalse(s.hasRawData(), dt.name());
        assertEquals(TensorCodec.typedEntries(type, 8), TensorCodec.typedCount(s));
        assertArrayEquals(pick(type, CASES_EXPECT[0]), TensorCodec.typedToRaw(s, 8), dt.name());
    }

    @Test
    void typedConventionsFollowOnnx() {
        // int8 is sign-extended, float16 keeps its unsigned bit pattern, 4-bit packs two per entry.
        TensorProto i8 = typedTensor(DataType.INT8, new long[] {2}, new byte[] {(byte) 0xfd, 5});
        assertEquals(List.of(-3, 5), i8.getInt32DataList());
        TensorProto f16 = typedTensor(DataType.FLOAT16, new long[] {1}, new byte[] {0x00, (byte) 0xc0});
        assertEquals(List.of(0xc000), f16.getInt32DataList());
        TensorProto i4 = typedTensor(DataType.INT4, new long[] {3}, new byte[] {(byte) 0x8f, 0x07});
        assertEquals(List.of(0x8f, 0x07), i4.getInt32DataList());
        assertArrayEquals(new float[] {-1, -8, 7}, new TensorData(i4, null).toFloatArray());
        TensorProto u32 = typedTensor(DataType.UINT32, new long[] {1}, new byte[] {-1, -1, -1, -1});
        assertEquals(List.of(4294967295L), u32.getUint64DataList());
    }

    @Test
    void sliceStrings() throws Exception {
        TensorProto.Builder b = TensorProto.newBuilder().setName("s").setDataType(DataType.STRING_VALUE).addDims(2).addDims(2);
        for (String v : new String[] {"a", "b", "c", "d"}) b.addStringData(ByteString.copyFromUtf8(v));
        TensorProto s = Tensors.slice(null, b.build(), 1, new int[] {1});
        assertEquals(List.of("b", "d"), s.getStringDataList().stream().map(ByteString::toStringUtf8).toList());
    }

    @Test
    void sliceFloatValuesOfAConvWeight() throws Exception {
        // W[4,2,1,1] = 0..7; keep output channels 1 and 3, then input channel 0.
        float[] w = {0, 1, 2, 3, 4, 5, 6, 7};
        TensorProto t = Tensors.ofFloats("W", new long[] {4, 2, 1, 1}, w);
        TensorProto out = Tensors.slice(null, t, 0, new int[] {1, 3});
        assertArrayEquals(new float[] {2, 3, 6, 7}, OnnxModel.decodeInline(out).toFloatArray());
        TensorProto in = Tensors.slice(null, out, 1, new int[] {0});
        assertArrayEquals(new float[] {2, 6}, OnnxModel.decodeInline(in).toFloatArray());
        assertArrayEquals(new long[] {2, 1, 1, 1}, Tensors.dims(in));
    }

    @Test
    void sliceTwoAxesAtOnce() throws Exception {
        // W[3,4] = 0..11; keep rows {0,2} and columns {1,3}
        float[] w = new float[12];
        for (int i = 0; i < 12; i++) w[i] = i;
        TensorProto t = Tensors.fromFloats("W", DataType.FLOAT16_VALUE, new long[] {3, 4}, w);
        TensorProto s = Tensors.sliceAxes(null, t, new int[] {1, 0}, new int[][] {{1, 3}, {0, 2}});
        assertArrayEquals(new long[] {2, 2}, Tensors.dims(s));
        assertEquals(DataType.FLOAT16_VALUE, s.getDataType());
        assertArrayEquals(new float[] {1, 3, 9, 11}, OnnxModel.decodeInline(s).toFloatArray());
        TensorProto.Builder strings = TensorProto.newBuilder().setName("s").setDataType(DataType.STRING_VALUE).addDims(2).addDims(2);
        for (String v : new String[] {"a", "b", "c", "d"}) strings.addStringData(ByteString.copyFromUtf8(v));
        TensorProto ss = Tensors.sliceAxes(null, strings.build(), new int[] {0, 1}, new int[][] {{1}, {0}});
        assertEquals(List.of("c"), ss.getStringDataList().stream().map(ByteString::toStringUtf8).toList());
        assertThrows(IllegalArgumentException.class,
                () -> Tensors.sliceAxes(null, t, new int[] {0, -2}, new int[][] {{0}, {1}}));
    }

    @Test
    void sliceResolvesExternalDataAndReturnsInline() throws Exception {
        Path p = TestModels.writeExternal(dir, "ext.onnx", "w.bin");
        OnnxModel m = ModelReader.read(p);
        TensorProto w2 = m.proto().getGraph().getInitializer(2);
        assertTrue(OnnxModel.isExternal(w2));
        TensorProto s = Tensors.slice(m, w2, 0, new int[] {0, 7});
        assertFalse(OnnxModel.isExternal(s));
        assertEquals(0, s.getExternalDataCount());
        float[] all = TestModels.ramp(24, -0.25f);
        assertArrayEquals(new float[] {all[0], all[1], all[2], all[21], all[22], all[23]},
                OnnxModel.decodeInline(s).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> Tensors.slice(null, w2, 0, new int[] {0}));
    }

    @Test
    void sliceMatchesNaiveIndexingOnRandomShapes() throws Exception {
        java.util.Random r = new java.util.Random(3);
        for (int trial = 0; trial < 200; trial++) {
            int rank = 1 + r.nextInt(4);
            long[] dims = new long[rank];
            for (int i = 0; i < rank; i++) dims[i] = 1 + r.nextInt(i == 0 ? 40 : 7);
            int n = (int) Tensors.product(dims, 0, rank);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = i;
            int axis = r.nextInt(rank);
            int[] keep = java.util.stream.IntStream.range(0, (int) dims[axis]).filter(i -> r.nextInt(3) > 0).toArray();
            TensorProto s = Tensors.slice(null, Tensors.ofFloats("t", dims, v), axis, keep);
            long outer = Tensors.product(dims, 0, axis);
            long inner = Tensors.product(dims, axis + 1, rank);
            float[] expect = new float[(int) (outer * keep.length * inner)];
            int p = 0;
            for (long o = 0; o < outer; o++) {
                for (int k : keep) {
                    for (long i = 0; i < inner; i++) expect[p++] = v[(int) ((o * dims[axis] + k) * inner + i)];
                }
            }
            assertArrayEquals(expect, OnnxModel.decodeInline(s).toFloatArray(), "trial " + trial);
        }
    }

    @Test
    void badIndicesAreRefused() {
        TensorProto t = Tensors.ofFloats("W", new long[] {4}, new float[4]);
        assertThrows(IllegalArgumentException.class, () -> Tensors.slice(null, t, 0, new int[] {2, 1}));
        assertThrows(IllegalArgumentException.class, () -> Tensors.slice(null, t, 0, new int[] {4}));
        assertThrows(IllegalArgumentException.class, () -> Tensors.slice(null, t, 1, new int[] {0}));
    }

    // ------------------------------------------------------------------ decode with exact numbers

    static float[] decode(DataType dt, long n, int... bytes) {
        byte[] raw = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) raw[i] = (byte) bytes[i];
        return new TensorData(rawTensor(dt, new long[] {n}, raw), ByteBuffer.wrap(raw)).toFloatArray();
    }

    @Test
    void decodeEveryNumericType() {
        assertArrayEquals(new float[] {1.5f, -2.25f}, decode(DataType.FLOAT, 2, 0, 0, 0xc0, 0x3f, 0, 0, 0x10, 0xc0));
        assertArrayEquals(new float[] {-0.5f}, decode(DataType.DOUBLE, 1, 0, 0, 0, 0, 0, 0, 0xe0, 0xbf));
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f},
                decode(DataType.FLOAT16, 4, 0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00));
        assertArrayEquals(new float[] {1f, -2.5f}, decode(DataType.BFLOAT16, 2, 0x80, 0x3f, 0x20, 0xc0));
        assertArrayEquals(new float[] {1f, 448f, -448f, 0x1p-9f, Float.NaN},
                decode(DataType.FLOAT8E4M3FN, 5, 0x38, 0x7e, 0xfe, 0x01, 0x7f));
        assertArrayEquals(new float[] {1f, 240f, Float.NaN}, decode(DataType.FLOAT8E4M3FNUZ, 3, 0x40, 0x7f, 0x80));
        assertArrayEquals(new float[] {1f, 57344f, Float.POSITIVE_INFINITY, -0x1p-16f},
                decode(DataType.FLOAT8E5M2, 4, 0x3c, 0x7b, 0x7c, 0x81));
        assertArrayEquals(new float[] {1f, 57344f, Float.NaN}, decode(DataType.FLOAT8E5M2FNUZ, 3, 0x40, 0x7f, 0x80));
        assertArrayEquals(new float[] {0.5f, 6f, -6f, 1.5f}, decode(DataType.FLOAT4E2M1, 4, 0x71, 0x3f));
        assertArrayEquals(new float[] {-1f, -8f, 7f}, decode(DataType.INT4, 3, 0x8f, 0x07));
        assertArrayEquals(new float[] {15f, 8f, 7f}, decode(DataType.UINT4, 3, 0x8f, 0x07));
        assertArrayEquals(new float[] {-1f, 127f}, decode(DataType.INT8, 2, 0xff, 0x7f));
        assertArrayEquals(new float[] {255f, 1f}, decode(DataType.UINT8, 2, 0xff, 0x01));
        assertArrayEquals(new float[] {1f, 0f}, decode(DataType.BOOL, 2, 0x01, 0x00));
        assertArrayEquals(new float[] {-2f}, decode(DataType.INT16, 1, 0xfe, 0xff));
        assertArrayEquals(new float[] {65534f}, decode(DataType.UINT16, 1, 0xfe, 0xff));
        assertArrayEquals(new float[] {-16777216f}, decode(DataType.INT32, 1, 0, 0, 0, 0xff));
        assertArrayEquals(new float[] {4294967295f}, decode(DataType.UINT32, 1, 0xff, 0xff, 0xff, 0xff));
        assertArrayEquals(new float[] {-3f}, decode(DataType.INT64, 1, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
        assertArrayEquals(new float[] {0x1p64f}, decode(DataType.UINT64, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    }

    @Test
    void float32FastPathMatchesTypedPath() {
        float[] v = TestModels.ramp(1000, 0.37f);
        TensorProto raw = Tensors.ofFloats("a", new long[] {10, 100}, v);
        TensorProto.Builder typed = TensorProto.newBuilder().setName("b").setDataType(1).addDims(1000);
        for (float f : v) typed.addFloatData(f);
        assertArrayEquals(v, OnnxModel.decodeInline(raw).toFloatArray());
        assertArrayEquals(v, OnnxModel.decodeInline(typed.build()).toFloatArray());
        assertEquals(4000, raw.getRawData().size());
    }

    // ------------------------------------------------------------------ encode with exact numbers

    static int[] encode(DataType dt, float... v) {
        byte[] raw = Tensors.fromFloats("x", dt.getNumber(), new long[] {v.length}, v).getRawData().toByteArray();
        int[] out = new int[raw.length];
        for (int i = 0; i < raw.length; i++) out[i] = raw[i] & 0xff;
        return out;
    }

    @Test
    void encodeEveryNumericType() {
        assertArrayEquals(new int[] {0, 0, 0xc0, 0x3f}, encode(DataType.FLOAT, 1.5f));
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0xe0, 0xbf}, encode(DataType.DOUBLE, -0.5f));
        // float16: 1/3, 2049 ties to even 2048, 2051 ties to even 2052, 65519 -> max, 65520 -> inf, 3e-8 -> 2^-24
        assertArrayEquals(new int[] {0x55, 0x35, 0x00, 0x68, 0x02, 0x68, 0xff, 0x7b, 0x00, 0x7c, 0x01, 0x00, 0x00, 0x00},
                encode(DataType.FLOAT16, 1f / 3, 2049f, 2051f, 65519f, 65520f, 3e-8f, 1e-8f));
        // bfloat16: 1+2^-8 ties to 1.0, 1+3*2^-8 ties to 1+2^-6
        assertArrayEquals(new int[] {0x80, 0x3f, 0x82, 0x3f, 0x20, 0xc0},
                encode(DataType.BFLOAT16, 1.00390625f, 1.01171875f, -2.5f));
        // float8 e4m3fn: 0.3 -> 0.3125, 1.0625 ties to 1.0, 1.1875 ties to 1.25, saturates, -0 keeps sign, NaN
        assertArrayEquals(new int[] {0x2a, 0x38, 0x3a, 0x7e, 0xfe, 0x80, 0x7f},
                encode(DataType.FLOAT8E4M3FN, 0.3f, 1.0625f, 1.1875f, 1000f, Float.NEGATIVE_INFINITY, -0f, Float.NaN));
        // e4m3fnuz: no negative zero, NaN is 0x80, max 240
        assertArrayEquals(new int[] {0x40, 0x00, 0x80, 0x7f}, encode(DataType.FLOAT8E4M3FNUZ, 1f, -0f, Float.NaN, 300f));
        assertArrayEquals(new int[] {0x3c, 0x7b, 0x7b, 0x7f, 0xc0}, encode(DataType.FLOAT8E5M2, 1f, 1e6f,
                Float.POSITIVE_INFINITY, Float.NaN, -2f));
        assertArrayEquals(new int[] {0x40, 0x7f}, encode(DataType.FLOAT8E5M2FNUZ, 1f, 60000f));
        // float4 e2m1: 5 ties to 4, 2.5 ties to 2, -0.7 -> -0.5, 100 -> 6
        assertArrayEquals(new int[] {0x46, 0x79}, encode(DataType.FLOAT4E2M1, 5f, 2.5f, -0.7f, 100f));
        assertArrayEquals(new int[] {0x78, 0x00}, encode(DataType.INT4, -9f, 7.5f, 0.5f));
        assertArrayEquals(new int[] {0x0f, 0x02}, encode(DataType.UINT4, 16f, -1f, 2.5f));
        assertArrayEquals(new int[] {0x7f, 0x80, 0x02}, encode(DataType.INT8, 127.5f, -200f, 2.5f));
        assertArrayEquals(new int[] {0xff, 0x00, 0x04}, encode(DataType.UINT8, 255.5f, -3f, 3.5f));
        assertArrayEquals(new int[] {0, 0, 1, 1}, encode(DataType.BOOL, 0f, -0f, 0.1f, Float.NaN));
        assertArrayEquals(new int[] {0xff, 0x7f, 0x00, 0x80}, encode(DataType.INT16, 40000f, -40000f));
        assertArrayEquals(new int[] {0xff, 0xff}, encode(DataType.UINT16, 70000f));
        assertArrayEquals(new int[] {0xff, 0xff, 0xff, 0x7f}, encode(DataType.INT32, 3e9f));
        assertArrayEquals(new int[] {0, 0x5e, 0xd0, 0xb2}, encode(DataType.UINT32, 3e9f));
        assertArrayEquals(new int[] {2, 0, 0, 0, 0, 0, 0, 0, 0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
                encode(DataType.INT64, 2.5f, -3.5f));
        assertArrayEquals(new int[] {5, 0, 0, 0, 0, 0, 0, 0}, encode(DataType.UINT64, 5f));
        assertThrows(IllegalArgumentException.class, () -> encode(DataType.COMPLEX64, 1f));
    }

    @Test
    void ofLongsIsLittleEndianInt64() {
        TensorProto t = Tensors.ofLongs("shape", new long[] {3}, new long[] {1, -1, 256});
        assertEquals(DataType.INT64_VALUE, t.getDataType());
        ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1L, b.getLong(0));
        assertEquals(-1L, b.getLong(8));
        assertEquals(256L, b.getLong(16));
        assertArrayEquals(new long[] {1, -1, 256}, OnnxModel.decodeInline(t).toLongArray());
        assertThrows(IllegalArgumentException.class, () -> Tensors.ofLongs("s", new long[] {2}, new long[] {1}));
    }

    @Test
    void replaceValuesKeepsTypeAndStorage() throws Exception {
        // typed float16 stays typed float16
        TensorProto f16 = typedTensor(DataType.FLOAT16, new long[] {2}, new byte[] {0, 0x3c, 0, 0x40});
        TensorProto r = Tensors.replaceValues(f16, new float[] {-2f, 0.5f});
        assertFalse(r.hasRawData());
        assertEquals(List.of(0xc000, 0x3800), r.getInt32DataList());
        assertEquals(f16.getName(), r.getName());
        // raw int8 stays raw int8, values rounded and clamped
        TensorProto i8 = rawTensor(DataType.INT8, new long[] {3}, new byte[] {1, 2, 3});
        TensorProto r8 = Tensors.replaceValues(i8, new float[] {-1.5f, 300f, 4.4f});
        assertArrayEquals(new byte[] {-2, 127, 4}, r8.getRawData().toByteArray());
        // raw float32
        TensorProto f = Tensors.ofFloats("w", new long[] {2}, new float[] {1, 2});
        assertArrayEquals(new float[] {0.25f, -7f},
                OnnxModel.decodeInline(Tensors.replaceValues(f, new float[] {0.25f, -7f})).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> Tensors.replaceValues(f, new float[] {1}));
        // external becomes inline raw
        OnnxModel m = ModelReader.read(TestModels.writeExternal(dir, "e.onnx", "e.bin"));
        GraphProto g = m.proto().getGraph();
        TensorProto rb = Tensors.replaceValues(g.getInitializer(1), new float[8]);
        assertFalse(OnnxModel.isExternal(rb));
        assertEquals(32, rb.getRawData().size());
        assertTrue(Files.exists(dir.resolve("e.bin")));
    }

    // ------------------------------------------------------------------ float16 / float8 exhaustive

    @Test
    void float16RoundTripsEveryCode() {
        for (int h = 0; h < 65536; h++) {
            float f = Half.toFloat((short) h);
            short back = Half.fromFloat(f);
            if (Float.isNaN(f)) assertTrue(Float.isNaN(Half.toFloat(back)));
            else assertEquals((short) h, back, "half 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void float8RoundTripsEveryFiniteCode() {
        int[] types = {17, 18, 19, 20, 23};
        for (int type : types) {
            int codes = type == 23 ? 16 : 256;
            for (int c = 0; c < codes; c++) {
                float f = Float8.toFloat(type, c);
                if (Float.isNaN(f) || Float.isInfinite(f)) continue;
                assertEquals(c, Float8.fromFloat(type, f), ElementType.name(type) + " code " + c);
            }
        }
    }
}
