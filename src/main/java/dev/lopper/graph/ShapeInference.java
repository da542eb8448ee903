package dev.lopper.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Static shape and element type inference, one node at a time in topological order.
 * <p>
 * Dims are sizes or unknown; an unknown dim may carry a symbol (the model input's {@code dim_param}) which
 * flows through elementwise ops, broadcasting, {@code Reshape} 0-copies, and shape computations: small
 * integer tensors are tracked as (partially) known {@link TensorValue}s so that
 * {@code Shape -> Gather -> Unsqueeze -> Concat -> Reshape} gives the Reshape output named dims even when
 * the batch or sequence size is not given. Values are computed by {@link ConstantEvaluator}.
 * <p>
 * An op without a rule (or whose inputs are not known well enough) leaves its outputs unknown; it never
 * throws. Declared value_info shapes fill in what inference does not know.
 */
public final class ShapeInference {
    /** One rule per op type: sets the node's output shapes and element types. */
    @FunctionalInterface
    interface Rule {
        void apply(ShapeInference si, Node n);
    }

    static final int INT64 = DataType.INT64_VALUE;
    static final int BOOL = DataType.BOOL_VALUE;
    static final int FLOAT = DataType.FLOAT_VALUE;

    private final int opset;
    private final Map<String, Shape> shapes;
    private final Map<String, Integer> types;
    private final Map<String, Shape> declared;
    private final Map<String, TensorValue> values = new HashMap<>();
    private final Function<String, TensorValue> constantSource;
    private final java.util.function.Predicate<String> isConstant;

    /**
     * @param opset          default-domain opset of the model
     * @param shapes         shapes known so far (graph inputs, initializers); filled in as nodes are inferred
     * @param types          element types known so far; filled in likewise
     * @param declared       shapes the file declares in value_info/outputs (fallback), may be empty
     * @param constantSource decodes a constant tensor by name (null when not a constant or too large)
     * @param isConstant     tells whether a tensor is a constant (cheap; no decoding)
     */
    public ShapeInference(int opset, Map<String, Shape> shapes, Map<String, Integer> types,
                          Map<String, Shape> declared, Function<String, TensorValue> constantSource,
                          java.util.function.Predicate<String> isConstant) {
        this.isConstant = isConstant;
        this.opset = opset;
        this.shapes = shapes;
        this.types = types;
        this.declared = declared;
        this.constantSource = constantSource;
    }

    public int opset() { return opset; }

    /** True when shape inference has a rule for this op (default domain). */
    public static boolean supports(String opType) { return RULES.containsKey(opType); }

    /** Infers the outputs of {@code n} (shapes, types and, for small tensors, values). Never throws. */
    public void infer(Node n) {
        try {
            if (!n.isDefaultDomain()) {
                Rule r = n.domain().equals("com.microsoft") ? MS_RULES.get(n.opType()) : null;
                if (r != null) r.apply(this, n);
            } else {
                Rule r = RULES.get(n.opType());
                if (r != null) r.apply(this, n);
                TensorValue[] vals = ConstantEvaluator.evaluate(n, this);
                if (vals != null) {
                    for (int i = 0; i < vals.length && i < n.outputs().size(); i++) {
                        TensorValue v = vals[i];
                        String o = n.output(i);
                        if (v == null || o.isEmpty()) continue;
                        values.put(o, v);
                        shapes.put(o, Shape.of(v.dims()));
                        types.put(o, v.elemType());
                    }
                }
            }
        } catch (RuntimeException e) {
            // A malformed node (bad attribute, impossible shapes) leaves what is not yet inferred unknown.
        }
        for (String o : n.outputs()) {
            if (o.isEmpty()) continue;
            Shape d = declared.get(o);
            if (d != null) shapes.put(o, Dims.merge(shapes.get(o), d));
        }
    }

    // ---- state access -------------------------------------------------------------------------------

    public Shape shape(String t) {
        if (t == null || t.isEmpty()) return Shape.UNKNOWN_RANK;
        Shape s = shapes.get(t);
        return s == null ? Shape.UNKNOWN_RANK : s;
    }

    public int type(String t) {
        Integer v = types.get(t);
        return v == null ? 0 : v;
    }

    /** The (maybe partial) value of a tensor, or null. Constants are decoded lazily when small. */
    public TensorValue value(String t) {
        if (t == null || t.isEmpty()) return null;
        TensorValue v = values.get(t);
        if (v == null && !values.containsKey(t)) {
            v = constantSource.apply(t);
            values.put(t, v);
        }
        return v;
    }

    /** True when a value may be available without decoding anything large: computed, or a constant. */
    boolean mayHaveValue(String t) {
        if (t.isEmpty()) return true;
        TensorValue v = values.get(t);
        return v != null || (!values.containsKey(t) && isConstant.test(t));
    }

    /** A value computed for a tensor (not decoding constants), or null. */
    public TensorValue computedValue(String t) { return values.get(t); }

    /** Fully known value or null. */
    TensorValue known(String t) {
        TensorValue v = value(t);
        return v != null && v.isKnown() ? v : null;
    }

    /** Fully known value of input i, as longs, or null. */
    long[] knownLongs(Node n, int i) {
        TensorValue v = known(n.input(i));
        return v == null ? null : v.longs();
    }

    Shape in(Node n, int i) { return shape(n.input(i)); }

    int inType(Node n, int i) { return type(n.input(i)); }

    void set(Node n, int i, Shape s, int type) {
        String o = n.output(i);
        if (o.isEmpty()) return;
        if (s != null) shapes.put(o, s);
        if (type != 0) types.put(o, type);
    }

    /** Axes from an attribute (older opsets) or from input {@code inputIndex} (newer ones); null when absent. */
    long[] axes(Node n, String attr, int inputIndex) {
        long[] a = n.attrInts(attr);
        if (a != null) return a;
        if (!n.input(inputIndex).isEmpty()) return knownLongs(n, inputIndex);
        return null;
    }

    boolean hasAxesInput(Node n, int inputIndex) { return !n.input(inputIndex).isEmpty(); }

    // ---- the rule table -----------------------------------------------------------------------------

    static final Map<String, Rule> RULES = new HashMap<>();

    /** ONNX Runtime contrib ops that optimized exports contain (domain com.microsoft). */
    static final Map<String, Rule> MS_RULES = Map.of(
            "FusedConv", ShapeInference::conv,
            "FusedMatMul", (si, n) -> {
                if (n.attrInt("transA", 0) == 0 && n.attrInt("transB", 0) == 0) matMul(si, n);
                else si.set(n, 0, null, si.inType(n, 0));
            },
            "SkipLayerNormalization", ShapeInference::sameAsInput0,
            "SkipSimplifiedLayerNormalization", ShapeInference::sameAsInput0,
            "SimplifiedLayerNormalization", ShapeInference::sameAsInput0,
            "BiasGelu", ShapeInference::sameAsInput0,
            "FastGelu", ShapeInference::sameAsInput0,
            "QuickGelu", ShapeInference::sameAsInput0,
            "Gelu", ShapeInference::sameAsInput0,
            "BiasAdd", ShapeInference::sameAsInput0);

    private static void rule(Rule r, String... ops) {
        for (String op : ops) RULES.put(op, r);
    }

    static {
        rule(ShapeInference::sameAsInput0, "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish",
                "Selu", "Elu", "Celu", "Gelu", "Erf", "Exp", "Log", "Sqrt", "Abs", "Neg", "Reciprocal", "Floor",
                "Ceil", "Round", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh",
                "Atanh", "Softplus", "Softsign", "Mish", "Clip", "Softmax", "LogSoftmax", "Hardmax", "Identity",
                "LRN", "InstanceNormalization", "GroupNormalization", "MeanVarianceNormalization", "Sign",
                "Shrink", "ThresholdedRelu", "Trilu", "CumSum", "ScatterND", "ScatterElements", "Scatter",
                "LpNormalization", "ReverseSequence", "Swish", "BitwiseNot", "RMSNormalization",
                "FastGelu", "BiasGelu", "QuickGelu");
        rule(ShapeInference::boolLikeInput0, "Not", "IsNaN", "IsInf");
        rule(ShapeInference::broadcastOp, "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean",
                "PRelu", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor");
        rule(ShapeInference::compareOp, "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or",
                "Xor");
        rule(ShapeInference::where, "Where");
        rule(ShapeInference::dropout, "Dropout");
        rule(ShapeInference::batchNorm, "BatchNormalization");
        rule(ShapeInference::layerNorm, "LayerNormalization");
        rule(ShapeInference::conv, "Conv", "ConvInteger", "DeformConv");
        rule(ShapeInference::convTranspose, "ConvTranspose");
        rule(ShapeInference::pool, "MaxPool", "AveragePool", "LpPool");
        rule(ShapeInference::globalPool, "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool");
        rule(ShapeInference::gemm, "Gemm");
        rule(ShapeInference::matMul, "MatMul", "MatMulInteger");
        rule(ShapeInference::einsum, "Einsum");
        rule(ShapeInference::flatten, "Flatten");
        rule(ShapeInference::reshape, "Reshape");
        rule(ShapeInference::transpose, "Transpose");
        rule(ShapeInference::squeeze, "Squeeze");
        rule(ShapeInference::unsqueeze, "Unsqueeze");
        rule(ShapeInference::concat, "Concat");
        rule(ShapeInference::split, "Split");
        rule(ShapeInference::slice, "Slice");
        rule(ShapeInference::gather, "Gather");
        rule(ShapeInference::gatherElements, "GatherElements");
        rule(ShapeInference::shapeOp, "Shape");
        rule(ShapeInference::size, "Size");
        rule(ShapeInference::expand, "Expand");
        rule(ShapeInference::tile, "Tile");
        rule(ShapeInference::pad, "Pad");
        rule(ShapeInference::resize, "Resize", "Upsample");
        rule(ShapeInference::reduce, "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");
        rule(ShapeInference::argReduce, "ArgMax", "ArgMin");
        rule(ShapeInference::cast, "Cast");
        rule(ShapeInference::castLike, "CastLike");
        rule(ShapeInference::range, "Range");
        rule(ShapeInference::constantOfShape, "ConstantOfShape");
        rule(ShapeInference::constant, "Constant");
        rule(ShapeInference::recurrent, "LSTM", "GRU", "RNN");
        rule(ShapeInference::topK, "TopK");
        rule(ShapeInference::nonZero, "NonZero");
        rule(ShapeInference::depthToSpace, "DepthToSpace");
        rule(ShapeInference::spaceToDepth, "SpaceToDepth");
        rule(ShapeInference::quantize, "QuantizeLinear");
        rule(ShapeInference::dequantize, "DequantizeLinear");
        rule(ShapeInference::oneHot, "OneHot");
        rule(ShapeInference::dynamicQuantize, "DynamicQuantizeLinear");
        rule(ShapeInference::ifOp, "If");
        rule(ShapeInference::likeWithDtype, "RandomNormalLike", "RandomUniformLike", "EyeLike", "Bernoulli");
        rule(ShapeInference::gridSample, "GridSample");
        rule(ShapeInference::gatherNd, "GatherND");
        rule(ShapeInference::roiAlign, "RoiAlign");
        rule((si, n) -> si.set(n, 0, Dims.builder(2).unknown().add(3).build(), INT64), "NonMaxSuppression");
        rule(ShapeInference::qLinearConv, "QLinearConv");
        rule(ShapeInference::qLinearMatMul, "QLinearMatMul");
    }

    /** If: the outputs the two branches declare; dims they disagree on are unknown. */
    static void ifOp(ShapeInference si, Node n) {
        AttributeProto thenA = n.attributes().get("then_branch");
        AttributeProto elseA = n.attributes().get("else_branch");
        if (thenA == null || elseA == null || !thenA.hasG() || !elseA.hasG()) return;
        var tg = thenA.getG();
        var eg = elseA.getG();
        for (int i = 0; i < n.outputs().size() && i < tg.getOutputCount() && i < eg.getOutputCount(); i++) {
            Map<String, Shape> s = new HashMap<>();
            Map<String, Integer> t = new HashMap<>();
            ModelGraph.recordValueInfo(tg.getOutput(i).toBuilder().setName("t").build(), s, t);
            ModelGraph.recordValueInfo(eg.getOutput(i).toBuilder().setName("e").build(), s, t);
            Shape a = s.get("t");
            Shape b = s.get("e");
            Shape out = null;
            if (a != null && b != null && a.rank() == b.rank() && a.hasRank()) {
                long[] d = a.dims().clone();
                String[] sy = a.symbols().clone();
                for (int k = 0; k < d.length; k++) {
                    if (d[k] != b.dims()[k]) d[k] = -1;
                    sy[k] = null; // a branch's dim names are its own
                }
                out = new Shape(d, sy);
            }
            Integer ty = t.get("t") != null ? t.get("t") : t.get("e");
            si.set(n, i, out, ty == null ? 0 : ty);
        }
    }

    static void likeWithDtype(ShapeInference si, Node n) {
        long dt = n.attrInt("dtype", 0);
        si.set(n, 0, si.in(n, 0), dt != 0 ? (int) dt : si.inType(n, 0));
    }

    /** GridSample(x [N, C, H, W], grid [N, H_out, W_out, 2]) -> [N, C, H_out, W_out] (and the 3-D analogue). */
    static void gridSample(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        Shape g = si.in(n, 1);
        if (!x.hasRank() || !g.hasRank() || g.rank() != x.rank()) { si.set(n, 0, null, si.inType(n, 0)); return; }
        Dims.Builder b = Dims.builder(x.rank()).copy(x, 0).copy(x, 1);
        for (int i = 1; i < g.rank() - 1; i++) b.copy(g, i);
        si.set(n, 0, b.build(), si.inType(n, 0));
    }

    /** GatherND: indices.shape[:-1] + data.shape[batch_dims + indices.shape[-1]:]. */
    static void gatherNd(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        Shape idx = si.in(n, 1);
        si.set(n, 0, null, si.inType(n, 0));
        if (!x.hasRank() || !idx.hasRank() || idx.rank() == 0) return;
        long last = idx.dims()[idx.rank() - 1];
        if (last < 0) return;
        int batch = (int) n.attrInt("batch_dims", 0);
        Dims.Builder b = Dims.builder(idx.rank() + x.rank());
        for (int i = 0; i < idx.rank() - 1; i++) b.copy(idx, i);
        for (int i = batch + (int) last; i < x.rank(); i++) b.copy(x, i);
        si.set(n, 0, b.build(), 0);
    }

    /** RoiAlign(x [N, C, H, W], rois [R, 4], batch_indices [R]) -> [R, C, output_height, output_width]. */
    static void roiAlign(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        Shape rois = si.in(n, 1);
        Dims.Builder b = Dims.builder(4);
        if (rois.hasRank() && rois.rank() >= 1) b.copy(rois, 0); else b.unknown();
        if (x.hasRank() && x.rank() >= 2) b.copy(x, 1); else b.unknown();
        b.add(n.attrInt("output_height", 1)).add(n.attrInt("output_width", 1));
        si.set(n, 0, b.build(), si.inType(n, 0));
    }

    static void dynamicQuantize(ShapeInference si, Node n) {
        si.set(n, 0, si.in(n, 0), DataType.UINT8_VALUE);
        si.set(n, 1, Shape.of(), FLOAT);
        si.set(n, 2, Shape.of(), DataType.UINT8_VALUE);
    }

    /** QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp): Conv geometry on x and w. */
    static void qLinearConv(ShapeInference si, Node n) {
        Node conv = new Node(n.name(), "Conv", "", List.of(n.input(0), n.input(3)), n.outputs(), n.attributes(),
                n.protoIndices(), null);
        conv(si, conv);
        si.set(n, 0, null, si.inType(n, 7) != 0 ? si.inType(n, 7) : si.inType(n, 0));
    }

    /** QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp). */
    static void qLinearMatMul(ShapeInference si, Node n) {
        si.set(n, 0, matMulShape(si.in(n, 0), si.in(n, 3)), si.inType(n, 7) != 0 ? si.inType(n, 7) : si.inType(n, 0));
    }

    // ---- rules --------------------------------------------------------------------------------------

    static void sameAsInput0(ShapeInference si, Node n) {
        si.set(n, 0, si.in(n, 0), si.inType(n, 0));
    }

    static void boolLikeInput0(ShapeInference si, Node n) {
        si.set(n, 0, si.in(n, 0), BOOL);
    }

    static Shape broadcastAll(ShapeInference si, Node n) {
        Shape s = null;
        for (String in : n.inputs()) {
            if (in.isEmpty()) continue;
            s = s == null ? si.shape(in) : Dims.broadcast(s, si.shape(in));
        }
        return s == null ? Shape.UNKNOWN_RANK : s;
    }

    static void broadcastOp(ShapeInference si, Node n) {
        si.set(n, 0, broadcastAll(si, n), si.inType(n, 0));
    }

    static void compareOp(ShapeInference si, Node n) {
        si.set(n, 0, broadcastAll(si, n), BOOL);
    }

    static void where(ShapeInference si, Node n) {
        si.set(n, 0, broadcastAll(si, n), si.inType(n, 1) != 0 ? si.inType(n, 1) : si.inType(n, 2));
    }

    static void dropout(ShapeInference si, Node n) {
        sameAsInput0(si, n);
        si.set(n, 1, si.in(n, 0), BOOL);
    }

    static void batchNorm(ShapeInference si, Node n) {
        sameAsInput0(si, n);
        for (int i = 1; i < n.outputs().size(); i++) si.set(n, i, si.in(n, 1), si.inType(n, 1));
    }

    static void layerNorm(ShapeInference si, Node n) {
        sameAsInput0(si, n);
        Shape x = si.in(n, 0);
        if (!x.hasRank()) return;
        int axis = Dims.normAxis(n.attrInt("axis", -1), x.rank());
        Dims.Builder b = Dims.builder(x.rank());
        for (int i = 0; i < x.rank(); i++) {
            if (i < axis) b.copy(x, i);
            else b.add(1);
        }
        int stash = (int) n.attrInt("stash_type", FLOAT);
        for (int i = 1; i < n.outputs().size(); i++) si.set(n, i, b.build(), stash);
    }

    /** Output size of a sliding window along one axis. */
    static long window(long in, long k, long stride, long dil, long padSum, boolean ceil) {
        if (in < 0 || k < 0) return -1;
        long eff = dil * (k - 1) + 1;
        long num = in + padSum - eff;
        if (num < 0) return -1;
        return (ceil ? Math.floorDiv(num + stride - 1, stride) : Math.floorDiv(num, stride)) + 1;
    }

    /** Spatial output dims of Conv/pooling; {@code kernel} holds the kernel size per spatial axis (-1 unknown). */
    static void spatial(Node n, Shape x, long[] kernel, boolean ceil, Dims.Builder b) {
        int k = x.rank() - 2;
        long[] strides = n.attrInts("strides");
        long[] dil = n.attrInts("dilations");
        long[] pads = n.attrInts("pads");
        String autoPad = n.attrString("auto_pad", "NOTSET");
        for (int i = 0; i < k; i++) {
            long in = x.dims()[i + 2];
            long s = strides != null && i < strides.length ? strides[i] : 1;
            long d = dil != null && i < dil.length ? dil[i] : 1;
            if (autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER")) {
                b.add(in < 0 ? -1 : Math.floorDiv(in + s - 1, s));
            } else if (autoPad.equals("VALID")) {
                b.add(window(in, kernel[i], s, d, 0, ceil));
            } else {
                long p = pads != null && pads.length == 2 * k ? pads[i] + pads[i + k] : 0;
                b.add(window(in, kernel[i], s, d, p, ceil));
            }
        }
    }

    static void conv(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        Shape w = si.in(n, 1);
        int outType = n.opType().equals("ConvInteger") ? DataType.INT32_VALUE : si.inType(n, 0);
        if (!x.hasRank() || x.rank() < 3) { si.set(n, 0, null, outType); return; }
        int k = x.rank() - 2;
        long[] kernel = n.attrInts("kernel_shape");
        if (kernel == null) {
            kernel = new long[k];
            for (int i = 0; i < k; i++) kernel[i] = w.hasRank() && w.rank() == k + 2 ? w.dims()[i + 2] : -1;
        }
        Dims.Builder b = Dims.builder(x.rank()).copy(x, 0);
        if (w.hasRank() && w.rank() >= 1) b.copy(w, 0); else b.unknown();
        spatial(n, x, kernel, false, b);
        si.set(n, 0, b.build(), outType);
    }

    static void convTranspose(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        Shape w = si.in(n, 1);
        if (!x.hasRank() || x.rank() < 3) { si.set(n, 0, null, si.inType(n, 0)); return; }
        int k = x.rank() - 2;
        long group = n.attrInt("group", 1);
        Dims.Builder b = Dims.builder(x.rank()).copy(x, 0);
        b.add(w.hasRank() && w.rank() >= 2 && w.dims()[1] >= 0 ? w.dims()[1] * group : -1);
        long[] outShape = n.attrInts("output_shape");
        long[] kernel = n.attrInts("kernel_shape");
        long[] strides = n.attrInts("strides");
        long[] dil = n.attrInts("dilations");
        long[] pads = n.attrInts("pads");
        long[] outPad = n.attrInts("output_padding");
        String autoPad = n.attrString("auto_pad", "NOTSET");
        for (int i = 0; i < k; i++) {
            if (outShape != null && outShape.length == k) { b.add(outShape[i]); continue; }
            long in = x.dims()[i + 2];
            long ks = kernel != null && i < kernel.length ? kernel[i]
                    : (w.hasRank() && w.rank() == k + 2 ? w.dims()[i + 2] : -1);
            long s = strides != null && i < strides.length ? strides[i] : 1;
            long d = dil != null && i < dil.length ? dil[i] : 1;
            long op = outPad != null && i < outPad.length ? outPad[i] : 0;
            if (in < 0 || ks < 0) { b.unknown(); continue; }
            if (autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER")) { b.add(in * s); continue; }
            long p = pads != null && pads.length == 2 * k && !autoPad.equals("VALID") ? pads[i] + pads[i + k] : 0;
            b.add(s * (in - 1) + op + (ks - 1) * d + 1 - p);
        }
        si.set(n, 0, b.build(), si.inType(n, 0));
    }

    static void pool(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        if (!x.hasRank() || x.rank() < 3) { si.set(n, 0, null, si.inType(n, 0)); return; }
        long[] kernel = n.attrInts("kernel_shape");
        if (kernel == null) return;
        Dims.Builder b = Dims.builder(x.rank()).copy(x, 0).copy(x, 1);
        spatial(n, x, kernel, n.attrInt("ceil_mode", 0) != 0, b);
        Shape out = b.build();
        si.set(n, 0, out, si.inType(n, 0));
        si.set(n, 1, out, INT64);
    }

    static void globalPool(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        if (!x.hasRank() || x.rank() < 2) { si.set(n, 0, null, si.inType(n, 0)); return; }
        Dims.Builder b = Dims.builder(x.rank()).copy(x, 0).copy(x, 1);
        for (int i = 2; i < x.rank(); i++) b.add(1);
        si.set(n, 0, b.build(), si.inType(n, 0));
    }

    static void gemm(ShapeInference si, Node n) {
        Shape a = si.in(n, 0);
        Shape bb = si.in(n, 1);
        Dims.Builder b = Dims.builder(2);
        boolean ta = n.attrInt("transA", 0) != 0;
        boolean tb = n.attrInt("transB", 0) != 0;
        if (a.hasRank() && a.rank() == 2) b.copy(a, ta ? 1 : 0); else b.unknown();
        if (bb.hasRank() && bb.rank() == 2) b.copy(bb, tb ? 0 : 1); else b.unknown();
        si.set(n, 0, b.build(), si.inType(n, 0));
    }

    static void matMul(ShapeInference si, Node n) {
        int outType = n.opType().equals("MatMulInteger") ? DataType.INT32_VALUE : si.inType(n, 0);
        si.set(n, 0, matMulShape(si.in(n, 0), si.in(n, 1)), outType);
    }

    static Shape matMulShape(Shape a, Shape b) {
        if (!a.hasRank() || !b.hasRank() || a.rank() == 0 || b.rank() == 0) return Shape.UNKNOWN_RANK;
        if (a.rank() == 1 && b.rank() == 1) return Shape.of();
        if (a.rank() == 1) { // [K] x [..., K, N] -> [..., N]
            Dims.Builder r = Dims.builder(b.rank() - 1);
            for (int i = 0; i < b.rank() - 2; i++) r.copy(b, i);
            return r.copy(b, b.rank() - 1).build();
        }
        if (b.rank() == 1) { // [..., M, K] x [K] -> [..., M]
            Dims.Builder r = Dims.builder(a.rank() - 1);
            for (int i = 0; i < a.rank() - 1; i++) r.copy(a, i);
            return r.build();
        }
        Shape batchA = slice(a, 0, a.rank() - 2);
        Shape batchB = slice(b, 0, b.rank() - 2);
        Shape batch = Dims.broadcast(batchA, batchB);
        Dims.Builder r = Dims.builder(batch.rank() + 2);
        for (int i = 0; i < batch.rank(); i++) r.copy(batch, i);
        return r.copy(a, a.rank() - 2).copy(b, b.rank() - 1).build();
    }

    static Shape slice(Shape s, int from, int to) {
        return new Shape(Arrays.copyOfRange(s.dims(), from, to), Arrays.copyOfRange(s.symbols(), from, to));
    }

    static void einsum(ShapeInference si, Node n) {
        String eq = n.attrString("equation", "").replace(" ", "");
        String[] io = eq.split("->", -1);
        String[] terms = io[0].split(",", -1);
        if (terms.length != n.inputs().size()) return;
        Map<Character, long[]> letter = new HashMap<>(); // size, and symbol index via map below
        Map<Character, String> letterSym = new HashMap<>();
        Shape ellipsis = null;
        Map<Character, Integer> count = new HashMap<>();
        for (int t = 0; t < terms.length; t++) {
            Shape s = si.in(n, t);
            String term = terms[t];
            int ell = term.indexOf("...");
            String plain = term.replace("...", "");
            if (!s.hasRank()) {
                for (char c : plain.toCharArray()) count.merge(c, 1, Integer::sum);
                continue;
            }
            int ellRank = s.rank() - plain.length();
            int pos = 0;
            for (int i = 0; i < term.length(); i++) {
                if (ell == i) {
                    Shape e = slice(s, pos, pos + ellRank);
                    ellipsis = ellipsis == null ? e : Dims.broadcast(ellipsis, e);
                    pos += ellRank;
                    i += 2;
                    continue;
                }
                char c = term.charAt(i);
                count.merge(c, 1, Integer::sum);
                long d = s.dims()[pos];
                long[] prev = letter.get(c);
                if (prev == null || prev[0] < 0 || prev[0] == 1) {
                    letter.put(c, new long[] {d});
                    if (d < 0) letterSym.put(c, s.symbols()[pos]);
                }
                pos++;
            }
        }
        String out;
        if (io.length == 2) out = io[1];
        else {
            StringBuilder o = new StringBuilder(io[0].contains("...") ? "..." : "");
            count.keySet().stream().filter(c -> count.get(c) == 1 && Character.isLetter(c)).sorted()
                    .forEach(o::append);
            out = o.toString();
        }
        Dims.Builder b = Dims.builder(out.length());
        for (int i = 0; i < out.length(); i++) {
            if (out.startsWith("...", i)) {
                if (ellipsis == null) return;
                for (int j = 0; j < ellipsis.rank(); j++) b.copy(ellipsis, j);
                i += 2;
                continue;
            }
            long[] d = letter.get(out.charAt(i));
            if (d == null) { b.unknown(); continue; }
            b.add(d[0], letterSym.get(out.charAt(i)));
        }
        si.set(n, 0, b.build(), si.inType(n, 0));
    }

    static void flatten(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        if (!x.hasRank()) { si.set(n, 0, Dims.unknownOfRank(2), si.inType(n, 0)); return; }
        int axis = Dims.normAxis(n.attrInt("axis", 1), x.rank());
        Dims.Builder b = Dims.builder(2);
        if (axis == 1) b.copy(x, 0); else b.add(Dims.product(x, 0, axis));
        if (axis == x.rank() - 1) b.copy(x, axis); else b.add(Dims.product(x, axis, x.rank()));
        si.set(n, 0, b.build(), si.inType(n, 0));
    }

    static void reshape(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        TensorValue target = si.value(n.input(1));
        long[] attrShape = n.attrInts("shape"); // opset < 5
        Shape t;
        if (target != null) t = target.asShape();
        else if (attrShape != null) t = Shape.of(attrShape);
        else {
            Shape ts = si.in(n, 1);
            if (ts.hasRank() && ts.rank() == 1 && ts.dims()[0] >= 0) {
                si.set(n, 0, Dims.unknownOfRank((int) ts.dims()[0]), si.inType(n, 0));
            } else si.set(n, 0, null, si.inType(n, 0));
            return;
        }
        si.set(n, 0, reshapeShape(x, t, n.attrInt("allowzero", 0) != 0), si.inType(n, 0));
    }

    /** Reshape target resolution: 0 copies the input dim (unless allowzero), -1 is inferred when possible. */
    static Shape reshapeShape(Shape x, Shape target, boolean allowZero) {
        int r = target.rank();
        long[] d = new long[r];
        String[] s = new String[r];
        int minusOne = -1;
        for (int i = 0; i < r; i++) {
            long v = target.dims()[i];
            String sym = target.symbols()[i];
            if (v == 0 && !allowZero) {
                if (x.hasRank() && i < x.rank()) { d[i] = x.dims()[i]; s[i] = x.symbols()[i]; }
                else d[i] = -1;
            } else if (v == -1 && sym == null) {
                minusOne = i;
                d[i] = -1;
            } else {
                d[i] = v;
                s[i] = sym;
            }
        }
        if (minusOne >= 0 && x.hasRank()) {
            // Cancel equal symbols and known sizes between the input and the other target dims.
            List<String> inSyms = new ArrayList<>();
            long inKnown = 1;
            boolean inUnnamed = false;
            for (int i = 0; i < x.rank(); i++) {
                if (x.dims()[i] >= 0) inKnown *= x.dims()[i];
                else if (x.symbols()[i] != null) inSyms.add(x.symbols()[i]);
                else inUnnamed = true;
            }
            long outKnown = 1;
            boolean ok = !inUnnamed;
            for (int i = 0; i < r && ok; i++) {
                if (i == minusOne) continue;
                if (d[i] >= 0) outKnown *= d[i];
                else if (s[i] != null && inSyms.remove(s[i])) { /* cancels */ }
                else ok = false;
            }
            if (ok && outKnown > 0 && inKnown % outKnown == 0) {
                long q = inKnown / outKnown;
                if (inSyms.isEmpty()) d[minusOne] = q;
                else if (inSyms.size() == 1 && q == 1) s[minusOne] = inSyms.get(0);
            }
        }
        return new Shape(d, s);
    }

    static void transpose(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        if (!x.hasRank()) { si.set(n, 0, null, si.inType(n, 0)); return; }
        long[] perm = n.attrInts("perm");
        Dims.Builder b = Dims.builder(x.rank());
        for (int i = 0; i < x.rank(); i++) b.copy(x, perm == null || perm.length == 0 ? x.rank() - 1 - i : (int) perm[i]);
        si.set(n, 0, b.build(), si.inType(n, 0));
    }

    static void squeeze(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        si.set(n, 0, null, si.inType(n, 0));
        if (!x.hasRank()) return;
        long[] axes = si.axes(n, "axes", 1);
        if (axes == null && si.hasAxesInput(n, 1)) return;
        Set<Integer> drop = new java.util.HashSet<>();
        if (axes == null) {
            for (int i = 0; i < x.rank(); i++) {
                if (x.dims()[i] == 1) drop.add(i);
                else if (x.dims()[i] < 0) return; // cannot tell
            }
        } else for (long a : axes) drop.add(Dims.normAxis(a, x.rank()));
        Dims.Builder b = Dims.builder(x.rank());
        for (int i = 0; i < x.rank(); i++) if (!drop.contains(i)) b.copy(x, i);
        si.set(n, 0, b.build(), 0);
    }

    static void unsqueeze(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        si.set(n, 0, null, si.inType(n, 0));
        long[] axes = si.axes(n, "axes", 1);
        if (!x.hasRank() || axes == null) return;
        int r = x.rank() + axes.length;
        boolean[] ins = new boolean[r];
        for (long a : axes) ins[Dims.normAxis(a, r)] = true;
        Dims.Builder b = Dims.builder(r);
        int j = 0;
        for (int i = 0; i < r; i++) {
            if (ins[i]) b.add(1);
            else b.copy(x, j++);
        }
        si.set(n, 0, b.build(), 0);
    }

    static void concat(ShapeInference si, Node n) {
        int type = 0;
        Shape first = null;
        for (String in : n.inputs()) {
            if (in.isEmpty()) continue;
            if (type == 0) type = si.type(in);
            Shape s = si.shape(in);
            if (first == null && s.hasRank() && s.rank() > 0) first = s;
        }
        if (first == null) { si.set(n, 0, null, type); return; }
        int r = first.rank();
        int axis = Dims.normAxis(n.attrInt("axis", 0), r);
        long[] d = first.dims().clone();
        String[] sy = first.symbols().clone();
        long sum = 0;
        boolean unknown = false;
        int parts = 0;
        String onlySymbol = null;
        for (String in : n.inputs()) {
            if (in.isEmpty()) continue;
            Shape s = si.shape(in);
            parts++;
            if (!s.hasRank() || s.rank() != r) { unknown = true; onlySymbol = null; continue; }
            for (int i = 0; i < r; i++) {
                if (i != axis && d[i] < 0 && s.dims()[i] >= 0) { d[i] = s.dims()[i]; sy[i] = null; }
            }
            if (s.dims()[axis] >= 0) sum += s.dims()[axis];
            else { unknown = true; onlySymbol = s.symbols()[axis]; }
        }
        d[axis] = unknown ? -1 : sum;
        sy[axis] = unknown && parts == 1 ? onlySymbol : null;
        si.set(n, 0, new Shape(d, sy), type);
    }

    static void split(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        int type = si.inType(n, 0);
        int outs = n.outputs().size();
        for (int i = 0; i < outs; i++) si.set(n, i, null, type);
        if (!x.hasRank()) return;
        int axis = Dims.normAxis(n.attrInt("axis", 0), x.rank());
        long[] sizes = n.attrInts("split");
        if (sizes == null && !n.input(1).isEmpty()) sizes = si.knownLongs(n, 1);
        long dim = x.dims()[axis];
        if (sizes == null) {
            if (dim < 0) {
                for (int i = 0; i < outs; i++) si.set(n, i, x.withDim(axis, -1), 0);
                return;
            }
            long parts = n.hasAttribute("num_outputs") ? n.attrInt("num_outputs", outs) : outs;
            long chunk = (dim + parts - 1) / parts;
            sizes = new long[outs];
            long left = dim;
            for (int i = 0; i < outs; i++) {
                sizes[i] = Math.min(chunk, left);
                left -= sizes[i];
            }
        }
        for (int i = 0; i < outs && i < sizes.length; i++) si.set(n, i, x.withDim(axis, sizes[i]), 0);
    }

    /** Length of a slice of a dim of size {@code d} (maybe unknown) or -1. */
    static long sliceLength(long d, long start, long end, long step) {
        final long huge = Integer.MAX_VALUE;
        if (d < 0) {
            if (step == 1 && start < 0 && end >= huge) return -start; // x[-k:] assumes the dim is at least k
            if (step == 1 && start >= 0 && end >= 0 && end < huge && end >= start && start < huge) return -1;
            return -1;
        }
        if (step == 0) return -1;
        if (start < 0) start += d;
        if (end < 0) end += d;
        if (step > 0) {
            start = Math.max(0, Math.min(start, d));
            end = Math.max(0, Math.min(end, d));
            return end <= start ? 0 : (end - start + step - 1) / step;
        }
        start = Math.max(0, Math.min(start, d - 1));
        end = Math.max(-1, Math.min(end, d - 1));
        return start <= end ? 0 : (start - end + (-step) - 1) / (-step);
    }

    /** Slice parameters: starts, ends, axes, steps (either attributes or inputs 1..4), or null. */
    static long[][] sliceParams(ShapeInference si, Node n, int rank) {
        long[] starts, ends, axes, steps;
        if (n.hasAttribute("starts")) {
            starts = n.attrInts("starts");
            ends = n.attrInts("ends");
            axes = n.attrInts("axes");
            steps = null;
        } else {
            starts = si.knownLongs(n, 1);
            ends = si.knownLongs(n, 2);
            axes = n.input(3).isEmpty() ? null : si.knownLongs(n, 3);
            steps = n.input(4).isEmpty() ? null : si.knownLongs(n, 4);
            if ((axes == null && !n.input(3).isEmpty()) || (steps == null && !n.input(4).isEmpty())) return null;
        }
        if (starts == null || ends == null || starts.length != ends.length) return null;
        if (axes == null) {
            axes = new long[starts.length];
            for (int i = 0; i < axes.length; i++) axes[i] = i;
        }
        if (steps == null) {
            steps = new long[starts.length];
            Arrays.fill(steps, 1);
        }
        for (int i = 0; i < axes.length; i++) axes[i] = Dims.normAxis(axes[i], rank);
        return new long[][] {starts, ends, axes, steps};
    }

    static void slice(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        si.set(n, 0, null, si.inType(n, 0));
        if (!x.hasRank()) return;
        long[][] p = sliceParams(si, n, x.rank());
        if (p == null) { si.set(n, 0, symbolicSlice(si, n, x), 0); return; }
        long[] d = x.dims().clone();
        String[] s = x.symbols().clone();
        for (int i = 0; i < p[0].length; i++) {
            int a = (int) p[2][i];
            long len = sliceLength(x.dims()[a], p[0][i], p[1][i], p[3][i]);
            boolean whole = p[0][i] == 0 && p[1][i] >= Integer.MAX_VALUE && p[3][i] == 1;
            if (whole) continue;
            d[a] = len;
            s[a] = null;
        }
        si.set(n, 0, new Shape(d, s), 0);
    }

    /**
     * Slice whose ends are a shape computation ({@code x[:, :seq]}): an axis sliced from 0 with step 1 up to a
     * named dim gets that name (the dim is assumed at least that long); other axes as known, else unknown.
     */
    static Shape symbolicSlice(ShapeInference si, Node n, Shape x) {
        if (n.hasAttribute("starts")) return Dims.unknownOfRank(x.rank());
        long[] starts = si.knownLongs(n, 1);
        TensorValue ends = si.value(n.input(2));
        long[] axes = n.input(3).isEmpty() ? null : si.knownLongs(n, 3);
        long[] steps = n.input(4).isEmpty() ? null : si.knownLongs(n, 4);
        if (starts == null || ends == null || ends.size() != starts.length
                || (axes == null && !n.input(3).isEmpty()) || (steps == null && !n.input(4).isEmpty())) {
            return Dims.unknownOfRank(x.rank());
        }
        long[] d = x.dims().clone();
        String[] sy = x.symbols().clone();
        for (int i = 0; i < starts.length; i++) {
            int a = Dims.normAxis(axes == null ? i : axes[i], x.rank());
            long step = steps == null ? 1 : steps[i];
            if (ends.isKnown(i)) {
                d[a] = sliceLength(x.dims()[a], starts[i], ends.getLong(i), step);
                sy[a] = null;
            } else if (starts[i] == 0 && step == 1 && !TensorValue.UNKNOWN.equals(ends.symbol(i))) {
                d[a] = -1;
                sy[a] = ends.symbol(i);
            } else {
                d[a] = -1;
                sy[a] = null;
            }
        }
        return new Shape(d, sy);
    }

    static void gather(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        Shape idx = si.in(n, 1);
        si.set(n, 0, null, si.inType(n, 0));
        if (!x.hasRank() || !idx.hasRank()) return;
        int axis = Dims.normAxis(n.attrInt("axis", 0), x.rank());
        Dims.Builder b = Dims.builder(x.rank() + idx.rank());
        for (int i = 0; i < axis; i++) b.copy(x, i);
        for (int i = 0; i < idx.rank(); i++) b.copy(idx, i);
        for (int i = axis + 1; i < x.rank(); i++) b.copy(x, i);
        si.set(n, 0, b.build(), 0);
    }

    static void gatherElements(ShapeInference si, Node n) {
        si.set(n, 0, si.in(n, 1), si.inType(n, 0));
    }

    static void shapeOp(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        if (!x.hasRank()) { si.set(n, 0, Dims.unknownOfRank(1), INT64); return; }
        int[] r = shapeRange(n, x.rank());
        si.set(n, 0, Shape.of(Math.max(0, r[1] - r[0])), INT64);
    }

    /** [start, end) of the Shape op (opset 15 start/end attributes, clamped). */
    static int[] shapeRange(Node n, int rank) {
        long start = n.attrInt("start", 0);
        long end = n.attrInt("end", rank);
        if (start < 0) start += rank;
        if (end < 0) end += rank;
        start = Math.max(0, Math.min(start, rank));
        end = Math.max(0, Math.min(end, rank));
        return new int[] {(int) start, (int) end};
    }

    static void size(ShapeInference si, Node n) {
        si.set(n, 0, Shape.of(), INT64);
    }

    static void expand(ShapeInference si, Node n) {
        TensorValue target = si.value(n.input(1));
        Shape x = si.in(n, 0);
        if (target == null) {
            Shape ts = si.in(n, 1);
            if (ts.hasRank() && ts.rank() == 1 && ts.dims()[0] >= 0 && x.hasRank()) {
                si.set(n, 0, Dims.unknownOfRank((int) Math.max(ts.dims()[0], x.rank())), si.inType(n, 0));
            } else si.set(n, 0, null, si.inType(n, 0));
            return;
        }
        si.set(n, 0, Dims.broadcast(x, target.asShape()), si.inType(n, 0));
    }

    static void tile(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        si.set(n, 0, null, si.inType(n, 0));
        if (!x.hasRank()) return;
        long[] rep = si.knownLongs(n, 1);
        if (rep == null || rep.length != x.rank()) { si.set(n, 0, Dims.unknownOfRank(x.rank()), 0); return; }
        Dims.Builder b = Dims.builder(x.rank());
        for (int i = 0; i < x.rank(); i++) {
            if (rep[i] == 1) b.copy(x, i);
            else b.add(x.dims()[i] < 0 ? -1 : x.dims()[i] * rep[i]);
        }
        si.set(n, 0, b.build(), 0);
    }

    static void pad(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        si.set(n, 0, null, si.inType(n, 0));
        if (!x.hasRank()) return;
        long[] pads = n.attrInts("pads");
        if (pads == null) pads = si.knownLongs(n, 1);
        if (pads == null) { si.set(n, 0, Dims.unknownOfRank(x.rank()), 0); return; }
        long[] axes;
        if (!n.input(3).isEmpty()) {
            axes = si.knownLongs(n, 3);
            if (axes == null) { si.set(n, 0, Dims.unknownOfRank(x.rank()), 0); return; }
        } else {
            axes = new long[x.rank()];
            for (int i = 0; i < axes.length; i++) axes[i] = i;
        }
        if (pads.length != 2 * axes.length) return;
        long[] d = x.dims().clone();
        String[] s = x.symbols().clone();
        for (int i = 0; i < axes.length; i++) {
            int a = Dims.normAxis(axes[i], x.rank());
            long add = pads[i] + pads[i + axes.length];
            if (add == 0) continue;
            d[a] = d[a] < 0 ? -1 : d[a] + add;
            s[a] = null;
        }
        si.set(n, 0, new Shape(d, s), 0);
    }

    static void resize(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        si.set(n, 0, null, si.inType(n, 0));
        if (!x.hasRank()) return;
        int r = x.rank();
        double[] scales = null;
        long[] sizes = null;
        if (n.opType().equals("Upsample")) {
            AttributeProto a = n.attributes().get("scales");
            if (a != null) scales = a.getFloatsList().stream().mapToDouble(Float::doubleValue).toArray();
            else if (si.known(n.input(1)) != null) scales = si.known(n.input(1)).doubles();
        } else {
            int scalesIdx = si.opset >= 11 ? 2 : 1;
            if (si.opset >= 11 && !n.input(3).isEmpty()) {
                sizes = si.knownLongs(n, 3);
                TensorValue partial = si.value(n.input(3));
                if (sizes == null && partial != null && partial.size() == r && !n.hasAttribute("axes")) {
                    si.set(n, 0, partial.asShape(), 0); // sizes computed from a symbolic shape
                    return;
                }
                if (sizes == null) { si.set(n, 0, Dims.unknownOfRank(r), 0); return; }
            } else {
                TensorValue v = si.known(n.input(scalesIdx));
                if (v == null || v.size() == 0) { si.set(n, 0, Dims.unknownOfRank(r), 0); return; }
                scales = v.doubles();
            }
        }
        long[] axes = n.attrInts("axes");
        if (axes == null) {
            axes = new long[r];
            for (int i = 0; i < r; i++) axes[i] = i;
        }
        int m = axes.length;
        long[] d = x.dims().clone();
        String[] s = x.symbols().clone();
        if (sizes != null) {
            if (sizes.length != m) return;
            String policy = n.attrString("keep_aspect_ratio_policy", "stretch");
            if (!policy.equals("stretch")) {
                double sc = policy.equals("not_larger") ? Double.MAX_VALUE : 0;
                for (int i = 0; i < m; i++) {
                    long in = x.dims()[Dims.normAxis(axes[i], r)];
                    if (in <= 0) { si.set(n, 0, Dims.unknownOfRank(r), 0); return; }
                    double q = (double) sizes[i] / in;
                    sc = policy.equals("not_larger") ? Math.min(sc, q) : Math.max(sc, q);
                }
                for (int i = 0; i < m; i++) {
                    int a = Dims.normAxis(axes[i], r);
                    d[a] = Math.round(sc * x.dims()[a]);
                    s[a] = null;
                }
            } else {
                for (int i = 0; i < m; i++) {
                    int a = Dims.normAxis(axes[i], r);
                    if (d[a] == sizes[i] && d[a] >= 0) continue;
                    d[a] = sizes[i];
                    s[a] = null;
                }
            }
        } else {
            if (scales.length != m) return;
            for (int i = 0; i < m; i++) {
                int a = Dims.normAxis(axes[i], r);
                if (scales[i] == 1.0) continue;
                d[a] = d[a] < 0 ? -1 : (long) Math.floor(d[a] * scales[i] + 1e-9);
                s[a] = null;
            }
        }
        si.set(n, 0, new Shape(d, s), 0);
    }

    static void reduce(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        int type = si.inType(n, 0);
        si.set(n, 0, null, type);
        if (!x.hasRank()) return;
        boolean keep = n.attrInt("keepdims", 1) != 0;
        long[] axes = si.axes(n, "axes", 1);
        if (axes == null && si.hasAxesInput(n, 1)) {
            if (keep) si.set(n, 0, Dims.unknownOfRank(x.rank()), 0);
            return;
        }
        if (axes != null && axes.length == 0) axes = null;
        if (axes == null && n.attrInt("noop_with_empty_axes", 0) != 0) { si.set(n, 0, x, 0); return; }
        boolean[] red = new boolean[x.rank()];
        if (axes == null) Arrays.fill(red, true);
        else for (long a : axes) red[Dims.normAxis(a, x.rank())] = true;
        Dims.Builder b = Dims.builder(x.rank());
        for (int i = 0; i < x.rank(); i++) {
            if (!red[i]) b.copy(x, i);
            else if (keep) b.add(1);
        }
        si.set(n, 0, b.build(), 0);
    }

    static void argReduce(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        si.set(n, 0, null, INT64);
        if (!x.hasRank()) return;
        int axis = Dims.normAxis(n.attrInt("axis", 0), x.rank());
        boolean keep = n.attrInt("keepdims", 1) != 0;
        Dims.Builder b = Dims.builder(x.rank());
        for (int i = 0; i < x.rank(); i++) {
            if (i != axis) b.copy(x, i);
            else if (keep) b.add(1);
        }
        si.set(n, 0, b.build(), 0);
    }

    static void cast(ShapeInference si, Node n) {
        si.set(n, 0, si.in(n, 0), (int) n.attrInt("to", 0));
    }

    static void castLike(ShapeInference si, Node n) {
        si.set(n, 0, si.in(n, 0), si.inType(n, 1));
    }

    static void range(ShapeInference si, Node n) {
        si.set(n, 0, Dims.unknownOfRank(1), si.inType(n, 0));
    }

    static void constantOfShape(ShapeInference si, Node n) {
        AttributeProto v = n.attributes().get("value");
        int type = v != null && v.hasT() ? v.getT().getDataType() : FLOAT;
        TensorValue s = si.value(n.input(0));
        if (s != null) si.set(n, 0, s.asShape(), type);
        else {
            Shape ss = si.in(n, 0);
            si.set(n, 0, ss.hasRank() && ss.rank() == 1 && ss.dims()[0] >= 0
                    ? Dims.unknownOfRank((int) ss.dims()[0]) : null, type);
        }
    }

    static void constant(ShapeInference si, Node n) {
        // The evaluator decodes the value; this only covers values too large to decode.
        AttributeProto v = n.attributes().get("value");
        if (v != null && v.hasT()) si.set(n, 0, Shape.of(v.getT().getDimsList()), v.getT().getDataType());
    }

    static void recurrent(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        int type = si.inType(n, 0);
        long hidden = n.attrInt("hidden_size", -1);
        long dirs = n.attrString("direction", "forward").equals("bidirectional") ? 2 : 1;
        boolean batchFirst = n.attrInt("layout", 0) != 0;
        if (hidden < 0) {
            Shape r = si.in(n, 2);
            if (r.hasRank() && r.rank() == 3) hidden = r.dims()[2];
        }
        if (!x.hasRank() || x.rank() != 3) {
            for (int i = 0; i < n.outputs().size(); i++) si.set(n, i, null, type);
            return;
        }
        int seqAxis = batchFirst ? 1 : 0;
        int batchAxis = batchFirst ? 0 : 1;
        Dims.Builder y = Dims.builder(4);
        Dims.Builder h = Dims.builder(3);
        if (batchFirst) {
            y.copy(x, batchAxis).copy(x, seqAxis).add(dirs).add(hidden);
            h.copy(x, batchAxis).add(dirs).add(hidden);
        } else {
            y.copy(x, seqAxis).add(dirs).copy(x, batchAxis).add(hidden);
            h.add(dirs).copy(x, batchAxis).add(hidden);
        }
        si.set(n, 0, y.build(), type);
        for (int i = 1; i < n.outputs().size(); i++) si.set(n, i, h.build(), type);
    }

    static void topK(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        si.set(n, 0, null, si.inType(n, 0));
        si.set(n, 1, null, INT64);
        if (!x.hasRank()) return;
        int axis = Dims.normAxis(n.attrInt("axis", -1), x.rank());
        long k = n.attrInt("k", -1);
        long[] kv = n.input(1).isEmpty() ? null : si.knownLongs(n, 1);
        if (kv != null && kv.length == 1) k = kv[0];
        Shape out = x.withDim(axis, k);
        si.set(n, 0, out, 0);
        si.set(n, 1, out, 0);
    }

    static void nonZero(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        si.set(n, 0, x.hasRank() ? Dims.builder(2).add(x.rank()).unknown().build() : Dims.unknownOfRank(2), INT64);
    }

    static void depthToSpace(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        long b = n.attrInt("blocksize", 1);
        if (!x.hasRank() || x.rank() != 4) { si.set(n, 0, null, si.inType(n, 0)); return; }
        long[] d = x.dims();
        si.set(n, 0, Dims.builder(4).copy(x, 0).add(d[1] < 0 ? -1 : d[1] / (b * b))
                .add(d[2] < 0 ? -1 : d[2] * b).add(d[3] < 0 ? -1 : d[3] * b).build(), si.inType(n, 0));
    }

    static void spaceToDepth(ShapeInference si, Node n) {
        Shape x = si.in(n, 0);
        long b = n.attrInt("blocksize", 1);
        if (!x.hasRank() || x.rank() != 4) { si.set(n, 0, null, si.inType(n, 0)); return; }
        long[] d = x.dims();
        si.set(n, 0, Dims.builder(4).copy(x, 0).add(d[1] < 0 ? -1 : d[1] * b * b)
                .add(d[2] < 0 ? -1 : d[2] / b).add(d[3] < 0 ? -1 : d[3] / b).build(), si.inType(n, 0));
    }

    static void quantize(ShapeInference si, Node n) {
        int t = n.input(2).isEmpty() ? DataType.UINT8_VALUE : si.inType(n, 2);
        if (n.hasAttribute("output_dtype") && n.attrInt("output_dtype", 0) != 0) t = (int) n.attrInt("output_dtype", 0);
        si.set(n, 0, si.in(n, 0), t);
    }

    static void dequantize(ShapeInference si, Node n) {
        int t = si.inType(n, 1) != 0 ? si.inType(n, 1) : FLOAT;
        if (n.hasAttribute("output_dtype") && n.attrInt("output_dtype", 0) != 0) t = (int) n.attrInt("output_dtype", 0);
        si.set(n, 0, si.in(n, 0), t);
    }

    static void oneHot(ShapeInference si, Node n) {
        Shape idx = si.in(n, 0);
        si.set(n, 0, null, si.inType(n, 2));
        if (!idx.hasRank()) return;
        long[] depth = si.knownLongs(n, 1);
        int r = idx.rank() + 1;
        int axis = Dims.normAxis(n.attrInt("axis", -1), r);
        Dims.Builder b = Dims.builder(r);
        int j = 0;
        for (int i = 0; i < r; i++) {
            if (i == axis) b.add(depth != null && depth.length == 1 ? depth[0] : -1);
            else b.copy(idx, j++);
        }
        si.set(n, 0, b.build(), 0);
    }
}
