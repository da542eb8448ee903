package dev.lopper.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.lopper.onnx.ElementType;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * Parameter and MAC counts of a {@link ModelGraph}.
 *
 * <h2>Parameters</h2>
 * The parameters are the elements of every distinct constant that a node of the view reads and that the
 * file stores (initializers and {@code Constant}-node values; not folded shape computations, not
 * initializers nobody reads), except:
 * <ul>
 *   <li>int64 and bool tensors (shapes, axes, indices, masks) and strings;</li>
 *   <li>scalars (rank 0: epsilons, clip bounds, scale factors, per-tensor quantization scales);</li>
 *   <li>constants read only as the configuration inputs (input 1 and later) of data-movement ops
 *       ({@code Reshape} shapes, {@code Resize} scales, {@code Pad} pads, ...).</li>
 * </ul>
 * Quantized weights (int8, uint8, int32 biases, ...) count. {@link Report#paramsByType()} splits the count
 * by element type; bytes are the stored size of those constants.
 *
 * <h2>MACs</h2>
 * One MAC is one multiply-accumulate. Per node:
 * <ul>
 *   <li>Conv: output elements x (C_in / group) x kernel size (dilation and stride act through the output
 *       size); ConvTranspose: input elements x (C_out / group) x kernel size; bias adds are not counted;</li>
 *   <li>Gemm: M x N x K; MatMul (also activation x activation, batched, broadcast): output elements x K;
 *       Einsum: product of the sizes of all its index letters;</li>
 *   <li>LSTM / GRU / RNN: seq x directions x batch x gates x hidden x (input + hidden), gates = 4 / 3 / 1;</li>
 *   <li>normalizations (BatchNormalization, LayerNormalization, InstanceNormalization, GroupNormalization,
 *       RMSNormalization, LpNormalization, MeanVarianceNormalization): 1 MAC per output element (the
 *       scale-and-shift an inference engine folds them into; mean/variance not counted);</li>
 *   <li>pools: one MAC per window element read (output elements x kernel size; global pools: input elements);</li>
 *   <li>elementwise arithmetic and activations (Add, Mul, Relu, Sigmoid, Gelu, Softmax, Where, ...): 1 MAC per
 *       output element; reductions: 1 per input element;</li>
 *   <li>data movement and shape ops (Reshape, Transpose, Concat, Slice, Gather, Pad, Resize, Cast, Shape,
 *       ...): 0; ops Lopper has no cost for (including If/Loop/Scan and custom domains): 0, listed in
 *       {@link Report#uncounted()}.</li>
 * </ul>
 * A dim that is not known (a symbol such as {@code batch} that no {@code --input-shape} fixed) counts as 1,
 * and {@link Report#unknownDims()} is then true: the figures are per unit of every such dim.
 */
public final class Metrics {
    private Metrics() {}

    /** Cost of one node of the view. */
    public record NodeCost(String node, String opType, long macs, long params) { }

    /** Parameter count of one element type. */
    public record TypeCount(long count, long bytes) { }

    /**
     * @param params           parameter elements (see the class comment)
     * @param paramsByType     element type name -> count and bytes
     * @param paramBytes       stored bytes of all counted constants
     * @param initializerBytes stored bytes of every initializer in the file (read or not)
     * @param macs             total MACs
     * @param perNode          cost of every node, in graph order
     * @param unknownDims      true when some MAC count took an unknown dim as 1
     * @param uncounted        op types present whose MACs are not modelled (counted as 0)
     */
    public record Report(long params, Map<String, TypeCount> paramsByType, long paramBytes, long initializerBytes,
                         long macs, List<NodeCost> perNode, boolean unknownDims, List<String> uncounted) {
        public Report {
            paramsByType = Collections.unmodifiableMap(new LinkedHashMap<>(paramsByType));
            perNode = List.copyOf(perNode);
            uncounted = List.copyOf(uncounted);
        }
    }

    /** MAC counting function of one op. */
    @FunctionalInterface
    interface Cost {
        long macs(ModelGraph g, Node n, Dims d);
    }

    /** Dim access that takes unknown dims as 1 and remembers that it did. */
    static final class Dims {
        boolean unknown;

        long dim(Shape s, int i) {
            long v = s.dims()[i < 0 ? i + s.rank() : i];
            if (v < 0) { unknown = true; return 1; }
            return v;
        }

        long count(Shape s) {
            if (!s.hasRank()) { unknown = true; return 0; }
            long n = 1;
            for (int i = 0; i < s.rank(); i++) n *= dim(s, i);
            return n;
        }

        long count(Shape s, int from, int to) {
            long n = 1;
            for (int i = from; i < to; i++) n *= dim(s, i);
            return n;
        }
    }

    static final Map<String, Cost> COSTS = new HashMap<>();
    static final Set<String> FREE = new HashSet<>();

    private static void cost(Cost c, String... ops) {
        for (String o : ops) COSTS.put(o, c);
    }

    static {
        cost(Metrics::conv, "Conv", "ConvInteger", "QLinearConv");
        cost(Metrics::convTranspose, "ConvTranspose");
        cost(Metrics::gemm, "Gemm");
        cost(Metrics::matMul, "MatMul", "MatMulInteger", "QLinearMatMul");
        cost(Metrics::einsum, "Einsum");
        cost(Metrics::recurrent, "LSTM", "GRU", "RNN");
        cost(Metrics::pool, "MaxPool", "AveragePool", "LpPool");
        cost((g, n, d) -> d.count(g.shape(n.input(0))), "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
                "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin", "TopK", "CumSum");
        cost((g, n, d) -> d.count(g.shape(n.output(0))),
                "BatchNormalization", "LayerNormalization", "InstanceNormalization", "GroupNormalization",
                "RMSNormalization", "LpNormalization", "MeanVarianceNormalization", "LRN",
                "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean", "PRelu", "Where",
                "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Selu", "Elu", "Celu", "Gelu",
                "Erf", "Exp", "Log", "Sqrt", "Abs", "Neg", "Reciprocal", "Floor", "Ceil", "Round", "Sin", "Cos",
                "Softplus", "Softsign", "Mish", "Clip", "Softmax", "LogSoftmax", "Hardmax", "Sign", "Shrink",
                "ThresholdedRelu", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor",
                "Not", "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "Dropout", "Swish");
        FREE.addAll(List.of("Reshape", "Transpose", "Concat", "Split", "Slice", "Gather", "GatherElements", "GatherND",
                "Squeeze", "Unsqueeze", "Flatten", "Identity", "Shape", "Size", "Cast", "CastLike", "Expand", "Tile",
                "Pad", "Resize", "Upsample", "Constant", "ConstantOfShape", "Range", "DepthToSpace", "SpaceToDepth",
                "ScatterND", "ScatterElements", "Scatter", "NonZero", "OneHot", "Trilu", "EyeLike", "ReverseSequence",
                "IsNaN", "IsInf", "NonMaxSuppression"));
    }

    /** MACs of one node (0 for ops without a cost model). */
    public static long macs(ModelGraph g, Node n) {
        return macs(g, n, new Dims());
    }

    /** ONNX Runtime contrib ops of optimized exports (domain com.microsoft). */
    static final Map<String, Cost> MS_COSTS = Map.of(
            "FusedConv", Metrics::conv,
            "FusedMatMul", Metrics::matMul,
            "SkipLayerNormalization", (g, n, d) -> d.count(g.shape(n.output(0))),
            "BiasGelu", (g, n, d) -> d.count(g.shape(n.output(0))),
            "FastGelu", (g, n, d) -> d.count(g.shape(n.output(0))),
            "Gelu", (g, n, d) -> d.count(g.shape(n.output(0))),
            "QuickGelu", (g, n, d) -> d.count(g.shape(n.output(0))));

    private static Cost costOf(Node n) {
        if (n.isDefaultDomain()) return COSTS.get(n.opType());
        return n.domain().equals("com.microsoft") ? MS_COSTS.get(n.opType()) : null;
    }

    static long macs(ModelGraph g, Node n, Dims d) {
        Cost c = costOf(n);
        if (c == null) return 0;
        try {
            return c.macs(g, n, d);
        } catch (RuntimeException e) {
            d.unknown = true;
            return 0;
        }
    }

    /** True when {@link #macs} models this op (or knows it costs nothing). */
    public static boolean hasCostModel(Node n) {
        return costOf(n) != null || (n.isDefaultDomain() && FREE.contains(n.opType()));
    }

    public static Report of(ModelGraph g) {
        Dims d = new Dims();
        List<NodeCost> per = new ArrayList<>(g.nodes().size());
        Set<String> counted = new HashSet<>();
        Map<String, long[]> byType = new TreeMap<>();
        Set<String> dataRead = new HashSet<>();
        for (Node n : g.nodes()) {
            boolean free = n.isDefaultDomain() && FREE.contains(n.opType());
            for (int i = 0; i < n.inputs().size(); i++) if (!free || i == 0) dataRead.add(n.input(i));
        }
        long floatParams = 0;
        long bytes = 0;
        long totalMacs = 0;
        Set<String> uncounted = new java.util.TreeSet<>();
        for (Node n : g.nodes()) {
            long m = macs(g, n, d);
            totalMacs += m;
            if (!hasCostModel(n)) uncounted.add(n.isDefaultDomain() ? n.opType() : n.domain() + ":" + n.opType());
            long p = 0;
            for (String in : n.inputs()) {
                if (in.isEmpty() || !isParameter(g, in) || !dataRead.contains(in)) continue;
                TensorProto t = g.constant(in);
                long cnt = elements(t);
                p += cnt;
                if (!counted.add(in)) continue;
                long b = storedBytes(t);
                long[] acc = byType.computeIfAbsent(ElementType.name(t.getDataType()), k -> new long[2]);
                acc[0] += cnt;
                acc[1] += b;
                bytes += b;
                floatParams += cnt;
            }
            per.add(new NodeCost(n.name(), n.opType(), m, p));
        }
        Map<String, TypeCount> types = new LinkedHashMap<>();
        byType.forEach((k, v) -> types.put(k, new TypeCount(v[0], v[1])));
        long initBytes = 0;
        if (g.model() != null) {
            for (TensorProto t : g.model().proto().getGraph().getInitializerList()) initBytes += storedBytes(t);
        }
        return new Report(floatParams, types, bytes, initBytes, totalMacs, per, d.unknown, new ArrayList<>(uncounted));
    }

    /** A stored constant (initializer or Constant node; not folded) that is not a scalar, shape or index. */
    static boolean isParameter(ModelGraph g, String t) {
        if (!g.isConstant(t)) return false;
        ConstantOrigin o = g.constantOrigin(t);
        if (o != null && o.kind() == ConstantOrigin.Kind.FOLDED) return false;
        TensorProto p = g.constant(t);
        int type = p.getDataType();
        if (type == TensorProto.DataType.INT64_VALUE || type == TensorProto.DataType.BOOL_VALUE
                || type == TensorProto.DataType.STRING_VALUE || type == 0) return false;
        return p.getDimsCount() > 0;
    }

    static long elements(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) n *= d;
        return n;
    }

    /** Bytes of a tensor's data as stored (raw, external or typed fields). */
    static long storedBytes(TensorProto t) {
        long e = OnnxModel.expectedBytes(t);
        if (e >= 0) return e;
        if (t.hasRawData()) return t.getRawData().size();
        long s = 0;
        for (var b : t.getStringDataList()) s += b.size();
        return s;
    }

    // ---- cost functions -----------------------------------------------------------------------------

    private static long kernelSize(ModelGraph g, Node n, Shape w, int spatial, Dims d) {
        long[] ks = n.attrInts("kernel_shape");
        long k = 1;
        for (int i = 0; i < spatial; i++) {
            if (ks != null && i < ks.length) k *= ks[i];
            else if (w.hasRank() && w.rank() == spatial + 2) k *= d.dim(w, i + 2);
            else d.unknown = true;
        }
        return k;
    }

    static long conv(ModelGraph g, Node n, Dims d) {
        boolean q = n.opType().equals("QLinearConv");
        Shape x = g.shape(n.input(0));
        Shape w = g.shape(n.input(q ? 3 : 1));
        Shape y = g.shape(n.output(0));
        if (!x.hasRank() || !y.hasRank() || !w.hasRank()) { d.unknown = true; return 0; }
        long group = n.attrInt("group", 1);
        long cinPerGroup = w.rank() >= 2 ? d.dim(w, 1) : d.dim(x, 1) / Math.max(1, group);
        return d.count(y) * cinPerGroup * kernelSize(g, n, w, x.rank() - 2, d);
    }

    static long convTranspose(ModelGraph g, Node n, Dims d) {
        Shape x = g.shape(n.input(0));
        Shape w = g.shape(n.input(1));
        if (!x.hasRank() || !w.hasRank() || w.rank() < 2) { d.unknown = true; return 0; }
        // W is [C_in, C_out / group, k...]: every input element meets C_out/group x k weights.
        return d.count(x) * d.dim(w, 1) * kernelSize(g, n, w, x.rank() - 2, d);
    }

    static long gemm(ModelGraph g, Node n, Dims d) {
        Shape a = g.shape(n.input(0));
        Shape y = g.shape(n.output(0));
        if (!a.hasRank() || a.rank() != 2 || !y.hasRank()) { d.unknown = true; return 0; }
        long k = d.dim(a, n.attrInt("transA", 0) != 0 ? 0 : 1);
        return d.count(y) * k;
    }

    static long matMul(ModelGraph g, Node n, Dims d) {
        boolean q = n.opType().equals("QLinearMatMul");
        Shape a = g.shape(n.input(0));
        Shape b = g.shape(n.input(q ? 3 : 1));
        Shape y = g.shape(n.output(0));
        if (!y.hasRank() || (!a.hasRank() && !b.hasRank())) { d.unknown = true; return 0; }
        long k = a.hasRank() && a.rank() >= 1 ? d.dim(a, a.rank() - 1) : d.dim(b, b.rank() >= 2 ? b.rank() - 2 : 0);
        return d.count(y) * k;
    }

    static long einsum(ModelGraph g, Node n, Dims d) {
        String eq = n.attrString("equation", "").replace(" ", "");
        String lhs = eq.split("->", -1)[0];
        String[] terms = lhs.split(",", -1);
        Map<Character, Long> size = new HashMap<>();
        long ellipsis = 1;
        for (int t = 0; t < terms.length && t < n.inputs().size(); t++) {
            Shape s = g.shape(n.input(t));
            if (!s.hasRank()) { d.unknown = true; return 0; }
            String term = terms[t];
            String plain = term.replace("...", "");
            int ellRank = s.rank() - plain.length();
            int pos = 0;
            for (int i = 0; i < term.length(); i++) {
                if (term.startsWith("...", i)) {
                    ellipsis = Math.max(ellipsis, d.count(s, pos, pos + ellRank));
                    pos += ellRank;
                    i += 2;
                    continue;
                }
                long v = d.dim(s, pos++);
                size.merge(term.charAt(i), v, Math::max);
            }
        }
        long m = ellipsis;
        for (long v : size.values()) m *= v;
        return m;
    }

    static long recurrent(ModelGraph g, Node n, Dims d) {
        Shape x = g.shape(n.input(0));
        if (!x.hasRank() || x.rank() != 3) { d.unknown = true; return 0; }
        boolean batchFirst = n.attrInt("layout", 0) != 0;
        long seq = d.dim(x, batchFirst ? 1 : 0);
        long batch = d.dim(x, batchFirst ? 0 : 1);
        long input = d.dim(x, 2);
        long hidden = n.attrInt("hidden_size", -1);
        if (hidden < 0) { d.unknown = true; hidden = 1; }
        long dirs = n.attrString("direction", "forward").equals("bidirectional") ? 2 : 1;
        long gates = switch (n.opType()) {
            case "LSTM" -> 4;
            case "GRU" -> 3;
            default -> 1;
        };
        return seq * dirs * batch * gates * hidden * (input + hidden);
    }

    static long pool(ModelGraph g, Node n, Dims d) {
        Shape y = g.shape(n.output(0));
        long[] ks = n.attrInts("kernel_shape");
        if (!y.hasRank() || ks == null) { d.unknown = true; return 0; }
        long k = 1;
        for (long v : ks) k *= v;
        return d.count(y) * k;
    }
}
