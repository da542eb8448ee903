package dev.lopper.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.TensorData;
import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

/**
 * A small evaluator for the ops exporters use to compute shapes and scalars: it computes a node's outputs
 * from (maybe partially) known input values. Structural ops ({@code Shape, Gather, Unsqueeze, Squeeze,
 * Concat, Slice, Reshape, Cast, Where, Identity}) keep symbolic elements; arithmetic keeps them in the
 * obvious identities ({@code s+0, s*1, s/1}) and {@code Equal(dim, negative)} is false since dims are
 * never negative. Everything else needs fully known inputs. Results above {@link #MAX_ELEMENTS}
 * elements are not computed.
 */
public final class ConstantEvaluator {
    /** Largest tensor (elements) the evaluator reads or produces. */
    public static final int MAX_ELEMENTS = 1 << 16;

    private ConstantEvaluator() {}

    @FunctionalInterface
    interface Eval {
        TensorValue[] apply(Node n, ShapeInference si);
    }

    static final Map<String, Eval> EVALS = new HashMap<>();

    private static void eval(Eval e, String... ops) {
        for (String op : ops) EVALS.put(op, e);
    }

    static {
        eval(ConstantEvaluator::constant, "Constant");
        eval(ConstantEvaluator::shape, "Shape");
        eval(ConstantEvaluator::size, "Size");
        eval(ConstantEvaluator::identity, "Identity", "Dropout");
        eval(ConstantEvaluator::reshapeLike, "Reshape", "Unsqueeze", "Squeeze", "Flatten");
        eval(ConstantEvaluator::cast, "Cast");
        eval(ConstantEvaluator::gather, "Gather");
        eval(ConstantEvaluator::concat, "Concat");
        eval(ConstantEvaluator::slice, "Slice");
        eval(ConstantEvaluator::transpose, "Transpose");
        eval(ConstantEvaluator::expand, "Expand");
        eval(ConstantEvaluator::tile, "Tile");
        eval(ConstantEvaluator::where, "Where");
        eval(ConstantEvaluator::range, "Range");
        eval(ConstantEvaluator::constantOfShape, "ConstantOfShape");
        eval(ConstantEvaluator::binary, "Add", "Sub", "Mul", "Div", "Mod", "Pow", "Max", "Min", "Sum", "Equal",
                "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor");
        eval(ConstantEvaluator::unary, "Neg", "Abs", "Floor", "Ceil", "Sqrt", "Reciprocal", "Not", "Sign", "Exp",
                "Log", "Relu", "Sigmoid", "Tanh", "Round", "Erf");
        eval(ConstantEvaluator::reduce, "ReduceProd", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceMean");
    }

    /** True when the evaluator knows the op (default domain). */
    public static boolean supports(String opType) { return EVALS.containsKey(opType); }

    /** The node's output values, or null when they cannot be computed. */
    static TensorValue[] evaluate(Node n, ShapeInference si) {
        Eval e = EVALS.get(n.opType());
        if (e == null) return null;
        if (!n.opType().equals("Shape") && !n.opType().equals("Size")) {
            for (String in : n.inputs()) if (!si.mayHaveValue(in)) return null;
        }
        for (String o : n.outputs()) {
            Shape s = si.shape(o);
            if (s.isStatic() && s.elementCount() > MAX_ELEMENTS) return null;
        }
        return e.apply(n, si);
    }

    /** Decodes a constant-valued tensor when it is small enough, else null. */
    static TensorValue decode(OnnxModel model, TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) n *= d;
        if (n > MAX_ELEMENTS || t.getDataType() == DataType.STRING_VALUE) return null;
        try {
            if (t.hasRawData() && !OnnxModel.isExternal(t)) {
                // Raw bytes of a memory-mapped model alias the file; decode from a copy starting at offset 0
                // (TensorData reads raw buffers by absolute index).
                t = t.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(t.getRawData().toByteArray())).build();
            }
            TensorData d = model != null ? model.tensor(t) : OnnxModel.decodeInline(t);
            return TensorValue.of(d);
        } catch (Exception e) {
            return null;
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static TensorValue[] one(TensorValue v) {
        return v == null ? null : new TensorValue[] {v};
    }

    static long count(long[] dims) {
        long n = 1;
        for (long d : dims) n *= d;
        return n;
    }

    static long[] strides(long[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /** Output element k is element src[k] of input which[k]; types from {@code ins.get(0)}. */
    static TensorValue pick(List<TensorValue> ins, int[] which, int[] src, long[] outDims) {
        TensorValue first = ins.get(0);
        int n = src.length;
        if (first.isIntegral()) {
            long[] v = new long[n];
            String[] s = new String[n];
            for (int k = 0; k < n; k++) {
                TensorValue in = ins.get(which == null ? 0 : which[k]);
                if (in.isKnown(src[k])) v[k] = in.getLong(src[k]);
                else { v[k] = -1; s[k] = in.symbol(src[k]); }
            }
            return TensorValue.ofSymbolic(first.elemType(), outDims, v, s);
        }
        for (TensorValue in : ins) if (!in.isKnown()) return null;
        double[] v = new double[n];
        for (int k = 0; k < n; k++) v[k] = ins.get(which == null ? 0 : which[k]).getDouble(src[k]);
        return TensorValue.ofDoubles(first.elemType(), outDims, v);
    }

    /** Index of output element k (in {@code out} dims) in a tensor of dims {@code in} broadcast to it. */
    static int broadcastIndex(int k, long[] out, long[] outStrides, long[] in, long[] inStrides) {
        int off = out.length - in.length;
        long idx = 0;
        long rem = k;
        for (int i = 0; i < out.length; i++) {
            long c = rem / outStrides[i];
            rem -= c * outStrides[i];
            int j = i - off;
            if (j >= 0 && in[j] != 1) idx += c * inStrides[j];
        }
        return (int) idx;
    }

    static long[] broadcastDims(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] d = new long[r];
        for (int i = 0; i < r; i++) {
            int ia = a.length - r + i;
            int ib = b.length - r + i;
            long da = ia >= 0 ? a[ia] : 1;
            long db = ib >= 0 ? b[ib] : 1;
            if (da != db && da != 1 && db != 1) throw new IllegalArgumentException("not broadcastable");
            d[i] = da == 1 ? db : da;
        }
        return d;
    }

    static int[] broadcastMap(long[] outDims, long[] inDims) {
        int n = (int) count(outDims);
        long[] os = strides(outDims);
        long[] is = strides(inDims);
        int[] m = new int[n];
        for (int k = 0; k < n; k++) m[k] = broadcastIndex(k, outDims, os, inDims, is);
        return m;
    }

    private static TensorValue in(ShapeInference si, Node n, int i) {
        return si.value(n.input(i));
    }

    // ---- ops ----------------------------------------------------------------------------------------

    static TensorValue[] constant(Node n, ShapeInference si) {
        return one(constantValue(n, null));
    }

    /** The value of a Constant node in any of its attribute forms, or null (strings, sparse, too large). */
    static TensorValue constantValue(Node n, OnnxModel model) {
        TensorProto t = constantTensor(n, n.output(0));
        return t == null ? null : decode(model, t);
    }

    /** The tensor a Constant node holds (every value_* form), named {@code name}; null for sparse values. */
    public static TensorProto constantTensor(Node n, String name) {
        for (AttributeProto a : n.attributes().values()) {
            switch (a.getName()) {
                case "value":
                    return a.getT().toBuilder().setName(name).build();
                case "value_float":
                    return TensorProto.newBuilder().setName(name).setDataType(DataType.FLOAT_VALUE)
                            .addFloatData(a.getF()).build();
                case "value_floats":
                    return TensorProto.newBuilder().setName(name).setDataType(DataType.FLOAT_VALUE)
                            .addDims(a.getFloatsCount()).addAllFloatData(a.getFloatsList()).build();
                case "value_int":
                    return TensorProto.newBuilder().setName(name).setDataType(DataType.INT64_VALUE)
                            .addInt64Data(a.getI()).build();
                case "value_ints":
                    return TensorProto.newBuilder().setName(name).setDataType(DataType.INT64_VALUE)
                            .addDims(a.getIntsCount()).addAllInt64Data(a.getIntsList()).build();
                case "value_string":
                    return TensorProto.newBuilder().setName(name).setDataType(DataType.STRING_VALUE)
                            .addStringData(a.getS()).build();
                case "value_strings":
                    return TensorProto.newBuilder().setName(name).setDataType(DataType.STRING_VALUE)
                            .addDims(a.getStringsCount()).addAllStringData(a.getStringsList()).build();
                default:
                    break;
            }
        }
        return null;
    }

    static TensorValue[] shape(Node n, ShapeInference si) {
        Shape x = si.shape(n.input(0));
        if (!x.hasRank()) return null;
        int[] r = ShapeInference.shapeRange(n, x.rank());
        return one(TensorValue.ofShape(x, r[0], r[1]));
    }

    static TensorValue[] size(Node n, ShapeInference si) {
        Shape x = si.shape(n.input(0));
        if (!x.isStatic()) return null;
        return one(TensorValue.ofLongs(ShapeInference.INT64, new long[0], new long[] {x.elementCount()}));
    }

    static TensorValue[] identity(Node n, ShapeInference si) {
        TensorValue v = in(si, n, 0);
        return v == null ? null : new TensorValue[] {v};
    }

    static TensorValue[] reshapeLike(Node n, ShapeInference si) {
        TensorValue v = in(si, n, 0);
        Shape out = si.shape(n.output(0));
        if (v == null || !out.isStatic() || out.elementCount() != v.size()) return null;
        return one(v.reshaped(out.dims()));
    }

    static TensorValue[] cast(Node n, ShapeInference si) {
        TensorValue v = in(si, n, 0);
        int to = (int) n.attrInt("to", 0);
        if (v == null || !TensorValue.encodable(to)) return null;
        boolean toInt = TensorValue.isIntegral(to);
        int k = v.size();
        if (toInt) {
            long[] out = new long[k];
            String[] sym = new String[k];
            for (int i = 0; i < k; i++) {
                if (!v.isKnown(i)) { out[i] = -1; sym[i] = v.isIntegral() ? v.symbol(i) : TensorValue.UNKNOWN; continue; }
                long x = v.isIntegral() ? v.getLong(i) : (long) v.getDouble(i);
                out[i] = to == DataType.BOOL_VALUE ? (v.getDouble(i) != 0 ? 1 : 0) : wrap(x, to);
            }
            return one(TensorValue.ofSymbolic(to, v.dims(), out, sym));
        }
        if (!v.isKnown()) return null;
        double[] d = v.doubles();
        if (to == DataType.FLOAT_VALUE) for (int i = 0; i < k; i++) d[i] = (float) d[i];
        return one(TensorValue.ofDoubles(to, v.dims(), d));
    }

    private static long wrap(long x, int to) {
        return switch (DataType.forNumber(to)) {
            case INT32 -> (int) x;
            case INT16 -> (short) x;
            case INT8 -> (byte) x;
            case UINT8 -> x & 0xff;
            case UINT16 -> x & 0xffff;
            case UINT32 -> x & 0xffffffffL;
            default -> x;
        };
    }

    static TensorValue[] gather(Node n, ShapeInference si) {
        TensorValue data = in(si, n, 0);
        TensorValue idx = si.known(n.input(1));
        if (data == null || idx == null || data.rank() == 0) return null;
        long[] d = data.dims();
        int axis = Dims.normAxis(n.attrInt("axis", 0), d.length);
        long[] ix = idx.longs();
        long outer = count(Arrays.copyOfRange(d, 0, axis));
        long inner = count(Arrays.copyOfRange(d, axis + 1, d.length));
        long total = outer * ix.length * inner;
        if (total > MAX_ELEMENTS) return null;
        int[] src = new int[(int) total];
        int k = 0;
        for (long o = 0; o < outer; o++) {
            for (long j : ix) {
                long jj = j < 0 ? j + d[axis] : j;
                if (jj < 0 || jj >= d[axis]) return null;
                for (long i = 0; i < inner; i++) src[k++] = (int) ((o * d[axis] + jj) * inner + i);
            }
        }
        long[] outDims = new long[d.length - 1 + idx.rank()];
        int p = 0;
        for (int i = 0; i < axis; i++) outDims[p++] = d[i];
        for (long id : idx.dims()) outDims[p++] = id;
        for (int i = axis + 1; i < d.length; i++) outDims[p++] = d[i];
        return one(pick(List.of(data), null, src, outDims));
    }

    static TensorValue[] concat(Node n, ShapeInference si) {
        List<TensorValue> ins = new ArrayList<>();
        for (String t : n.inputs()) {
            if (t.isEmpty()) continue;
            TensorValue v = si.value(t);
            if (v == null) return null;
            ins.add(v);
        }
        if (ins.isEmpty()) return null;
        int r = ins.get(0).rank();
        if (r == 0) return null;
        int axis = Dims.normAxis(n.attrInt("axis", 0), r);
        long[] outDims = ins.get(0).dims();
        long axisTotal = 0;
        for (TensorValue v : ins) {
            if (v.rank() != r || v.isIntegral() != ins.get(0).isIntegral()) return null;
            axisTotal += v.dims()[axis];
        }
        outDims[axis] = axisTotal;
        long outer = count(Arrays.copyOfRange(outDims, 0, axis));
        long inner = count(Arrays.copyOfRange(outDims, axis + 1, r));
        int total = (int) count(outDims);
        int[] which = new int[total];
        int[] src = new int[total];
        int k = 0;
        for (long o = 0; o < outer; o++) {
            for (int w = 0; w < ins.size(); w++) {
                long rows = ins.get(w).dims()[axis] * inner;
                for (long i = 0; i < rows; i++) {
                    which[k] = w;
                    src[k++] = (int) (o * rows + i);
                }
            }
        }
        return one(pick(ins, which, src, outDims));
    }

    static TensorValue[] slice(Node n, ShapeInference si) {
        TensorValue v = in(si, n, 0);
        if (v == null || v.rank() == 0) return null;
        long[] d = v.dims();
        long[][] p = ShapeInference.sliceParams(si, n, d.length);
        if (p == null) return null;
        long[] start = new long[d.length];
        long[] step = new long[d.length];
        long[] len = d.clone();
        Arrays.fill(step, 1);
        for (int i = 0; i < p[0].length; i++) {
            int a = (int) p[2][i];
            long s = p[0][i];
            long e = p[1][i];
            long st = p[3][i];
            len[a] = ShapeInference.sliceLength(d[a], s, e, st);
            if (s < 0) s += d[a];
            s = st > 0 ? Math.max(0, Math.min(s, d[a])) : Math.max(0, Math.min(s, d[a] - 1));
            start[a] = s;
            step[a] = st;
        }
        int total = (int) count(len);
        long[] inStr = strides(d);
        long[] outStr = strides(len);
        int[] src = new int[total];
        for (int k = 0; k < total; k++) {
            long rem = k;
            long idx = 0;
            for (int i = 0; i < d.length; i++) {
                long c = rem / outStr[i];
                rem -= c * outStr[i];
                idx += (start[i] + c * step[i]) * inStr[i];
            }
            src[k] = (int) idx;
        }
        return one(pick(List.of(v), null, src, len));
    }

    static TensorValue[] transpose(Node n, ShapeInference si) {
        TensorValue v = in(si, n, 0);
        if (v == null) return null;
        long[] d = v.dims();
        int r = d.length;
        long[] perm = n.attrInts("perm");
        if (perm == null || perm.length == 0) {
            perm = new long[r];
            for (int i = 0; i < r; i++) perm[i] = r - 1 - i;
        }
        long[] out = new long[r];
        for (int i = 0; i < r; i++) out[i] = d[(int) perm[i]];
        long[] inStr = strides(d);
        long[] outStr = strides(out);
        int total = v.size();
        int[] src = new int[total];
        for (int k = 0; k < total; k++) {
            long rem = k;
            long idx = 0;
            for (int i = 0; i < r; i++) {
                long c = rem / outStr[i];
                rem -= c * outStr[i];
                idx += c * inStr[(int) perm[i]];
            }
            src[k] = (int) idx;
        }
        return one(pick(List.of(v), null, src, out));
    }

    static TensorValue[] expand(Node n, ShapeInference si) {
        TensorValue v = in(si, n, 0);
        long[] shape = si.knownLongs(n, 1);
        if (v == null || shape == null) return null;
        long[] out = broadcastDims(v.dims(), shape);
        if (count(out) > MAX_ELEMENTS) return null;
        return one(pick(List.of(v), null, broadcastMap(out, v.dims()), out));
    }

    static TensorValue[] tile(Node n, ShapeInference si) {
        TensorValue v = in(si, n, 0);
        long[] rep = si.knownLongs(n, 1);
        if (v == null || rep == null || rep.length != v.rank()) return null;
        long[] d = v.dims();
        long[] out = new long[d.length];
        for (int i = 0; i < d.length; i++) out[i] = d[i] * rep[i];
        if (count(out) > MAX_ELEMENTS) return null;
        long[] inStr = strides(d);
        long[] outStr = strides(out);
        int total = (int) count(out);
        int[] src = new int[total];
        for (int k = 0; k < total; k++) {
            long rem = k;
            long idx = 0;
            for (int i = 0; i < d.length; i++) {
                long c = rem / outStr[i];
                rem -= c * outStr[i];
                idx += (c % d[i]) * inStr[i];
            }
            src[k] = (int) idx;
        }
        return one(pick(List.of(v), null, src, out));
    }

    static TensorValue[] where(Node n, ShapeInference si) {
        TensorValue c = si.known(n.input(0));
        TensorValue a = in(si, n, 1);
        TensorValue b = in(si, n, 2);
        if (c == null || a == null || b == null || a.isIntegral() != b.isIntegral()) return null;
        long[] out = broadcastDims(broadcastDims(c.dims(), a.dims()), b.dims());
        int[] mc = broadcastMap(out, c.dims());
        int[] ma = broadcastMap(out, a.dims());
        int[] mb = broadcastMap(out, b.dims());
        int total = mc.length;
        int[] which = new int[total];
        int[] src = new int[total];
        for (int k = 0; k < total; k++) {
            boolean t = c.getLong(mc[k]) != 0;
            which[k] = t ? 0 : 1;
            src[k] = t ? ma[k] : mb[k];
        }
        return one(pick(List.of(a, b), which, src, out));
    }

    static TensorValue[] range(Node n, ShapeInference si) {
        TensorValue s = si.known(n.input(0));
        TensorValue l = si.known(n.input(1));
        TensorValue d = si.known(n.input(2));
        if (s == null || l == null || d == null || s.size() != 1 || l.size() != 1 || d.size() != 1) return null;
        if (s.isIntegral()) {
            long st = s.getLong(0), lim = l.getLong(0), de = d.getLong(0);
            if (de == 0) return null;
            long cnt = Math.max(0, (long) Math.ceil((double) (lim - st) / de));
            if (cnt > MAX_ELEMENTS) return null;
            long[] v = new long[(int) cnt];
            for (int i = 0; i < cnt; i++) v[i] = st + i * de;
            return one(TensorValue.ofLongs(s.elemType(), new long[] {cnt}, v));
        }
        double st = s.getDouble(0), lim = l.getDouble(0), de = d.getDouble(0);
        if (de == 0) return null;
        long cnt = Math.max(0, (long) Math.ceil((lim - st) / de));
        if (cnt > MAX_ELEMENTS) return null;
        double[] v = new double[(int) cnt];
        for (int i = 0; i < cnt; i++) v[i] = st + i * de;
        return one(TensorValue.ofDoubles(s.elemType(), new long[] {cnt}, v));
    }

    static TensorValue[] constantOfShape(Node n, ShapeInference si) {
        long[] shape = si.knownLongs(n, 0);
        if (shape == null) return null;
        long total = count(shape);
        if (total > MAX_ELEMENTS || total < 0) return null;
        AttributeProto a = n.attributes().get("value");
        TensorValue fill = a != null && a.hasT() ? decode(null, a.getT()) : null;
        int type = a != null && a.hasT() ? a.getT().getDataType() : ShapeInference.FLOAT;
        if (a != null && a.hasT() && fill == null) return null;
        if (TensorValue.isIntegral(type)) {
            long[] v = new long[(int) total];
            Arrays.fill(v, fill == null ? 0 : fill.getLong(0));
            return one(TensorValue.ofLongs(type, shape, v));
        }
        double[] v = new double[(int) total];
        Arrays.fill(v, fill == null ? 0 : fill.getDouble(0));
        return one(TensorValue.ofDoubles(type, shape, v));
    }

    private static boolean isCompare(String op) {
        return switch (op) {
            case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor" -> true;
            default -> false;
        };
    }

    static TensorValue[] binary(Node n, ShapeInference si) {
        TensorValue acc = null;
        for (String t : n.inputs()) {
            if (t.isEmpty()) continue;
            TensorValue v = si.value(t);
            if (v == null) return null;
            acc = acc == null ? v : binary(n, acc, v);
            if (acc == null) return null;
        }
        return one(acc);
    }

    static TensorValue binary(Node n, TensorValue a, TensorValue b) {
        String op = n.opType().equals("Sum") ? "Add" : n.opType();
        long[] out = broadcastDims(a.dims(), b.dims());
        int[] ma = broadcastMap(out, a.dims());
        int[] mb = broadcastMap(out, b.dims());
        int total = ma.length;
        boolean cmp = isCompare(op);
        boolean ints = a.isIntegral() && b.isIntegral();
        if (ints || cmp) {
            if (!ints && (!a.isKnown() || !b.isKnown())) return null;
            long[] v = new long[total];
            String[] sym = new String[total];
            for (int k = 0; k < total; k++) {
                int i = ma[k], j = mb[k];
                if (a.isKnown(i) && b.isKnown(j)) {
                    v[k] = ints ? intOp(op, a.getLong(i), b.getLong(j), n) : floatCompare(op, a.getDouble(i), b.getDouble(j));
                    continue;
                }
                String s = symbolic(op, a, i, b, j);
                if (s == null) { v[k] = knownFromSymbolic(op, a, i, b, j); continue; }
                v[k] = -1;
                sym[k] = s;
            }
            return TensorValue.ofSymbolic(cmp ? DataType.BOOL_VALUE : a.elemType(), out, v, sym);
        }
        if (!a.isKnown() || !b.isKnown()) return null;
        double[] v = new double[total];
        for (int k = 0; k < total; k++) v[k] = floatOp(op, a.getDouble(ma[k]), b.getDouble(mb[k]), n);
        return TensorValue.ofDoubles(a.elemType(), out, v);
    }

    /** For a partially known pair: the resulting symbol, or null when the result is a known number. */
    private static String symbolic(String op, TensorValue a, int i, TensorValue b, int j) {
        boolean ak = a.isKnown(i), bk = b.isKnown(j);
        String sa = a.symbol(i), sb = b.symbol(j);
        switch (op) {
            case "Add": if (bk && b.getLong(j) == 0) return sa; if (ak && a.getLong(i) == 0) return sb; break;
            case "Sub": if (bk && b.getLong(j) == 0) return sa; break;
            case "Mul":
                if (bk && b.getLong(j) == 1) return sa;
                if (ak && a.getLong(i) == 1) return sb;
                if ((bk && b.getLong(j) == 0) || (ak && a.getLong(i) == 0)) return null;
                if (bk && b.getLong(j) > 1) return scaled(sa, b.getLong(j));
                if (ak && a.getLong(i) > 1) return scaled(sb, a.getLong(i));
                break;
            case "Div":
                if (bk && b.getLong(j) == 1) return sa;
                if (bk && b.getLong(j) > 1 && sa.endsWith("*" + b.getLong(j))) {
                    return sa.substring(0, sa.length() - ("*" + b.getLong(j)).length());
                }
                break;
            case "Max": case "Min":
                if (!ak && !bk && sa.equals(sb) && !TensorValue.UNKNOWN.equals(sa)) return sa;
                break;
            case "Equal":
                if (bk && b.getLong(j) < 0) return null;
                if (ak && a.getLong(i) < 0) return null;
                if (!ak && !bk && sa.equals(sb) && !TensorValue.UNKNOWN.equals(sa)) return null;
                break;
            default: break;
        }
        return TensorValue.UNKNOWN;
    }

    /**
     * A named dim times a constant, named {@code "batch*4"} (so that {@code batch * heads} computed for a Reshape
     * stays recognizable); an unknown element stays unknown.
     */
    static String scaled(String symbol, long k) {
        if (symbol == null || TensorValue.UNKNOWN.equals(symbol)) return TensorValue.UNKNOWN;
        return symbol + "*" + k;
    }

    /** Known result of a partially known pair that {@link #symbolic} decided (Mul by 0, Equal). */
    private static long knownFromSymbolic(String op, TensorValue a, int i, TensorValue b, int j) {
        if (op.equals("Mul")) return 0;
        if (op.equals("Equal")) return a.isKnown(i) || b.isKnown(j) ? 0 : 1;
        throw new IllegalStateException(op);
    }

    private static long intOp(String op, long x, long y, Node n) {
        return switch (op) {
            case "Add" -> x + y;
            case "Sub" -> x - y;
            case "Mul" -> x * y;
            case "Div" -> {
                if (y == 0) throw new ArithmeticException("division by zero");
                yield x / y;
            }
            case "Mod" -> {
                if (y == 0) throw new ArithmeticException("division by zero");
                yield n.attrInt("fmod", 0) != 0 ? x % y : Math.floorMod(x, y);
            }
            case "Pow" -> (long) Math.pow(x, y);
            case "Max" -> Math.max(x, y);
            case "Min" -> Math.min(x, y);
            case "Equal" -> x == y ? 1 : 0;
            case "Less" -> x < y ? 1 : 0;
            case "Greater" -> x > y ? 1 : 0;
            case "LessOrEqual" -> x <= y ? 1 : 0;
            case "GreaterOrEqual" -> x >= y ? 1 : 0;
            case "And" -> (x != 0 && y != 0) ? 1 : 0;
            case "Or" -> (x != 0 || y != 0) ? 1 : 0;
            case "Xor" -> ((x != 0) ^ (y != 0)) ? 1 : 0;
            default -> throw new IllegalArgumentException(op);
        };
    }

    private static long floatCompare(String op, double x, double y) {
        return switch (op) {
            case "Equal" -> x == y ? 1 : 0;
            case "Less" -> x < y ? 1 : 0;
            case "Greater" -> x > y ? 1 : 0;
            case "LessOrEqual" -> x <= y ? 1 : 0;
            case "GreaterOrEqual" -> x >= y ? 1 : 0;
            case "And" -> (x != 0 && y != 0) ? 1 : 0;
            case "Or" -> (x != 0 || y != 0) ? 1 : 0;
            case "Xor" -> ((x != 0) ^ (y != 0)) ? 1 : 0;
            default -> throw new IllegalArgumentException(op);
        };
    }

    private static double floatOp(String op, double x, double y, Node n) {
        return switch (op) {
            case "Add" -> x + y;
            case "Sub" -> x - y;
            case "Mul" -> x * y;
            case "Div" -> x / y;
            case "Mod" -> n.attrInt("fmod", 0) != 0 ? x % y : x - Math.floor(x / y) * y;
            case "Pow" -> Math.pow(x, y);
            case "Max" -> Math.max(x, y);
            case "Min" -> Math.min(x, y);
            default -> throw new IllegalArgumentException(op);
        };
    }

    static TensorValue[] unary(Node n, ShapeInference si) {
        TensorValue v = si.known(n.input(0));
        if (v == null) return null;
        String op = n.opType();
        int k = v.size();
        if (v.isIntegral() && !op.equals("Sqrt") && !op.equals("Exp") && !op.equals("Log") && !op.equals("Sigmoid")
                && !op.equals("Tanh") && !op.equals("Erf") && !op.equals("Reciprocal")) {
            long[] out = new long[k];
            for (int i = 0; i < k; i++) {
                long x = v.getLong(i);
                out[i] = switch (op) {
                    case "Neg" -> -x;
                    case "Abs" -> Math.abs(x);
                    case "Floor", "Ceil", "Round" -> x;
                    case "Not" -> x == 0 ? 1 : 0;
                    case "Sign" -> Long.signum(x);
                    case "Relu" -> Math.max(0, x);
                    default -> throw new IllegalArgumentException(op);
                };
            }
            return one(TensorValue.ofLongs(v.elemType(), v.dims(), out));
        }
        if (v.isIntegral()) return null;
        double[] out = new double[k];
        for (int i = 0; i < k; i++) {
            double x = v.getDouble(i);
            out[i] = switch (op) {
                case "Neg" -> -x;
                case "Abs" -> Math.abs(x);
                case "Floor" -> Math.floor(x);
                case "Ceil" -> Math.ceil(x);
                case "Round" -> Math.rint(x);
                case "Sqrt" -> Math.sqrt(x);
                case "Reciprocal" -> 1.0 / x;
                case "Sign" -> Math.signum(x);
                case "Exp" -> Math.exp(x);
                case "Log" -> Math.log(x);
                case "Relu" -> Math.max(0, x);
                case "Sigmoid" -> 1.0 / (1.0 + Math.exp(-x));
                case "Tanh" -> Math.tanh(x);
                case "Erf" -> erf(x);
                default -> throw new IllegalArgumentException(op);
            };
        }
        return one(TensorValue.ofDoubles(v.elemType(), v.dims(), out));
    }

    /** erf with |error| < 1.2e-7 (Numerical Recipes erfc Chebyshev fit). */
    static double erf(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - r : r - 1;
    }

    static TensorValue[] reduce(Node n, ShapeInference si) {
        TensorValue v = si.known(n.input(0));
        if (v == null) return null;
        long[] d = v.dims();
        long[] axes = si.axes(n, "axes", 1);
        if (axes == null && !n.input(1).isEmpty()) return null;
        boolean keep = n.attrInt("keepdims", 1) != 0;
        boolean[] red = new boolean[d.length];
        if (axes == null || axes.length == 0) {
            if (n.attrInt("noop_with_empty_axes", 0) != 0) return one(v);
            Arrays.fill(red, true);
        } else for (long a : axes) red[Dims.normAxis(a, d.length)] = true;
        long[] kept = new long[d.length];
        for (int i = 0; i < d.length; i++) kept[i] = red[i] ? 1 : d[i];
        int total = (int) count(kept);
        double[] acc = new double[total];
        long[] cnt = new long[total];
        String op = n.opType();
        Arrays.fill(acc, switch (op) {
            case "ReduceProd" -> 1.0;
            case "ReduceMax" -> Double.NEGATIVE_INFINITY;
            case "ReduceMin" -> Double.POSITIVE_INFINITY;
            default -> 0.0;
        });
        long[] inStr = strides(d);
        long[] outStr = strides(kept);
        for (int k = 0; k < v.size(); k++) {
            long rem = k;
            long o = 0;
            for (int i = 0; i < d.length; i++) {
                long c = rem / inStr[i];
                rem -= c * inStr[i];
                if (!red[i]) o += c * outStr[i];
            }
            double x = v.getDouble(k);
            int oi = (int) o;
            cnt[oi]++;
            acc[oi] = switch (op) {
                case "ReduceProd" -> acc[oi] * x;
                case "ReduceMax" -> Math.max(acc[oi], x);
                case "ReduceMin" -> Math.min(acc[oi], x);
                default -> acc[oi] + x;
            };
        }
        if (op.equals("ReduceMean")) for (int i = 0; i < total; i++) acc[i] /= Math.max(1, cnt[i]);
        long[] outDims;
        if (keep) outDims = kept;
        else {
            int r = 0;
            for (boolean b : red) if (!b) r++;
            outDims = new long[r];
            int p = 0;
            for (int i = 0; i < d.length; i++) if (!red[i]) outDims[p++] = d[i];
        }
        if (v.isIntegral()) {
            long[] out = new long[total];
            for (int i = 0; i < total; i++) out[i] = (long) acc[i];
            return one(TensorValue.ofLongs(v.elemType(), outDims, out));
        }
        return one(TensorValue.ofDoubles(v.elemType(), outDims, acc));
    }
}
