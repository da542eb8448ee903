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
 * A constant the view folded counts only when it merely converts or copies one stored floating initializer (fp16
 * weights behind a {@code Cast}, see {@link #storedSource}); it then counts once, as that initializer (its type and
 * bytes). Quantized weights (int8, uint8, int32 biases, ...) count. This is the one definition of parameters:
 * {@link #parameters} lists the counted tensors, and the group analysis counts exactly those. {@link Report#paramsByType()} splits the count
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
 *       ...): 0; ops Lopper has no cost for (including custom domains): 0, listed in {@link Report#uncounted()};</li>
 *   <li>If / Loop / Scan: their bodies by these same rules (see {@link #ifCost}): If = the larger branch,
 *       Loop = body x constant trip count, Scan = body x scanned length. Parameters count in every body (both
 *       branches of an If are stored), each constant once over the model.</li>
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

    /**
     * One product of a node's MAC count: {@code constant} × the sizes of some axes of some tensors. A node's MACs are
     * the sum of its terms. The group analysis multiplies the same terms with its pruned dimension sizes, so the
     * count before and after pruning is this one definition ({@code inspect}, {@code groups}, {@code bench} and the
     * planner all report it).
     */
    public record MacTerm(long constant, List<Axis> axes) {
        public MacTerm {
            axes = List.copyOf(axes);
        }
    }

    /** Axis {@code axis} of tensor {@code tensor}. */
    public record Axis(String tensor, int axis) { }

    /** MAC terms of one op: a cost function, assigned to op types by the {@link OpCostTable} service. */
    @FunctionalInterface
    public interface Cost {
        void terms(ModelGraph g, Node n, Terms t);
    }

    /**
     * Collects terms; {@code unknown} is set when a shape was missing (the node then contributes nothing) or a dim
     * is symbolic (counted as 1).
     */
    public static final class Terms {
        final ModelGraph g;
        final List<MacTerm> out = new ArrayList<>();
        boolean unknown;

        Terms(ModelGraph g) { this.g = g; }

        /** A shape this cost needs is missing or symbolic. */
        public void markUnknown() { unknown = true; }

        /** Size of an axis (unknown dims as 1). */
        public long size(Shape s, int i) {
            long v = s.dims()[i < 0 ? i + s.rank() : i];
            if (v < 0) { unknown = true; return 1; }
            return v;
        }

        /** The axes [from, to) of a tensor. */
        public List<Axis> axes(String tensor, int from, int to) {
            List<Axis> a = new ArrayList<>(Math.max(0, to - from));
            for (int i = from; i < to; i++) a.add(new Axis(tensor, i));
            return a;
        }

        /** All axes of a tensor, or null (and unknown) when its rank is not known. */
        public List<Axis> all(String tensor) {
            Shape s = g.shape(tensor);
            if (!s.hasRank()) { unknown = true; return null; }
            return axes(tensor, 0, s.rank());
        }

        public void add(long constant, List<Axis> axes) {
            if (axes != null) out.add(new MacTerm(constant, axes));
        }

        public static List<Axis> join(List<Axis> a, List<Axis> b) {
            if (a == null || b == null) return null;
            List<Axis> r = new ArrayList<>(a);
            r.addAll(b);
            return r;
        }
    }

    /** Elements of a tensor as one term (0 terms when its rank is unknown). */
    private static Cost elementsOf(int output, int input) {
        return (g, n, t) -> t.add(1, t.all(output >= 0 ? n.output(output) : n.input(input)));
    }

    /** 1 MAC per output element (elementwise ops, activations, normalizations). */
    public static final Cost ELEMENTS_OUT = elementsOf(0, -1);

    /** 1 MAC per element of input 0 (reductions, global pools). */
    public static final Cost ELEMENTS_IN = elementsOf(-1, 0);

    /** Which op has which cost: the one table in dev.lopper.analysis.ops, found as a service (it is a layer above). */
    private static final OpCostTable TABLE = costTable();

    private static OpCostTable costTable() {
        List<OpCostTable> found = new ArrayList<>();
        for (OpCostTable t : java.util.ServiceLoader.load(OpCostTable.class, Metrics.class.getClassLoader())) found.add(t);
        if (found.size() != 1) {
            throw new IllegalStateException("expected one " + OpCostTable.class.getName() + " service, found " + found.size());
        }
        return found.get(0);
    }

    private static String domainOf(Node n) { return n.isDefaultDomain() ? "" : n.domain(); }

    /** MACs of one node (0 for ops without a cost model). */
    public static long macs(ModelGraph g, Node n) {
        return macs(g, n, new boolean[1]);
    }

    /**
     * The MAC terms of one node (empty for ops without a cost model or with missing shapes): the one definition
     * of MACs that {@link #of} evaluates with the graph's shapes and the group analysis with pruned sizes.
     */
    public static List<MacTerm> macTerms(ModelGraph g, Node n) {
        Terms t = new Terms(g);
        terms(g, n, t);
        return t.out;
    }

    private static void terms(ModelGraph g, Node n, Terms t) {
        Cost c = costOf(n);
        if (c == null) return;
        int before = t.out.size();
        try {
            c.terms(g, n, t);
        } catch (RuntimeException e) {
            while (t.out.size() > before) t.out.remove(t.out.size() - 1);
            t.unknown = true;
        }
    }

    /** Value of terms with the graph's shapes (unknown dims as 1; sets {@code unknown[0]} then). */
    static long macs(ModelGraph g, Node n, boolean[] unknown) {
        Terms t = new Terms(g);
        terms(g, n, t);
        long total = 0;
        for (MacTerm m : t.out) {
            long v = m.constant();
            for (Axis a : m.axes()) {
                Shape s = g.shape(a.tensor());
                long d = s.hasRank() && a.axis() < s.rank() ? s.dims()[a.axis()] : -1;
                if (d < 0) { t.unknown = true; d = 1; }
                v *= d;
            }
            total += v;
        }
        if (t.unknown) unknown[0] = true;
        return total;
    }

    private static Cost costOf(Node n) {
        return TABLE.cost(domainOf(n), n.opType());
    }

    /** True for a data-movement op (no MACs; only its input 0 is data). */
    private static boolean isFree(Node n) {
        return TABLE.free(domainOf(n), n.opType());
    }

    /** True when {@link #macs} models this op (or knows it costs nothing). */
    public static boolean hasCostModel(Node n) {
        return costOf(n) != null || isFree(n);
    }

    public static Report of(ModelGraph g) {
        Acc acc = new Acc();
        List<NodeCost> per = new ArrayList<>(g.nodes().size());
        for (Node n : g.nodes()) {
            long m = macs(g, n, acc.unknown);
            acc.macs += m;
            per.add(new NodeCost(n.name(), n.opType(), m, 0));
        }
        long[] nodeParams = params(g, acc);
        for (int i = 0; i < per.size(); i++) {
            NodeCost c = per.get(i);
            per.set(i, new NodeCost(c.node(), c.opType(), c.macs(), nodeParams[i]));
        }
        Map<String, TypeCount> types = new LinkedHashMap<>();
        acc.byType.forEach((k, v) -> types.put(k, new TypeCount(v[0], v[1])));
        long initBytes = 0;
        if (g.model() != null) {
            for (TensorProto t : g.model().proto().getGraph().getInitializerList()) initBytes += storedBytes(t);
        }
        return new Report(acc.params, types, acc.bytes, initBytes, acc.macs, per, acc.unknown[0], new ArrayList<>(acc.uncounted));
    }

    /** Running totals of {@link #of}; {@code counted} spans the main graph and every body so a constant counts once. */
    private static final class Acc {
        final boolean[] unknown = new boolean[1];
        final Set<String> counted = new HashSet<>();
        final Map<String, long[]> byType = new TreeMap<>();
        final Map<String, Long> tensors = new LinkedHashMap<>();
        final Set<String> uncounted = new java.util.TreeSet<>();
        long params, bytes, macs;
    }

    /**
     * Counts the parameters the nodes of {@code g} read (and, for a node with bodies, those its bodies read, each
     * constant once over the whole model: both branches of an If count, since both are stored), and notes the ops
     * without a cost model, in bodies too. Returns the parameters per node (a constant read by several nodes counts
     * at each).
     */
    private static long[] params(ModelGraph g, Acc acc) {
        Set<String> dataRead = dataRead(g);
        Map<String, TensorProto> stored = initializers(g);
        long[] per = new long[g.nodes().size()];
        int k = 0;
        for (Node n : g.nodes()) {
            if (!hasCostModel(n)) acc.uncounted.add(n.isDefaultDomain() ? n.opType() : n.domain() + ":" + n.opType());
            long p = 0;
            for (String in : n.inputs()) {
                String src = in.isEmpty() || !dataRead.contains(in) ? null : parameterSource(g, in, stored);
                if (src == null) continue;
                TensorProto t = sourceProto(g, src, stored);
                long cnt = elements(t);
                p += cnt;
                if (!acc.counted.add(src)) continue;
                acc.tensors.put(src, cnt);
                long b = storedBytes(t);
                long[] a = acc.byType.computeIfAbsent(ElementType.name(t.getDataType()), x -> new long[2]);
                a[0] += cnt;
                a[1] += b;
                acc.bytes += b;
                acc.params += cnt;
            }
            for (SubgraphCost.Body body : SubgraphCost.bodies(g, n)) {
                for (long q : params(body.graph(), acc)) p += q;
            }
            per[k++] = p;
        }
        return per;
    }

    /** Tensors read as data: every input of a computing node, input 0 of a data-movement op. */
    private static Set<String> dataRead(ModelGraph g) {
        Set<String> dataRead = new HashSet<>();
        for (Node n : g.nodes()) {
            boolean free = isFree(n);
            for (int i = 0; i < n.inputs().size(); i++) if (!free || i == 0) dataRead.add(n.input(i));
        }
        return dataRead;
    }

    /**
     * The parameters the main graph stores (read by its nodes or from inside If/Loop/Scan bodies; a body's own
     * constants are {@link #bodyLocalParams}): the stored name of every counted constant (see the class comment)
     * mapped to its elements, in the order nodes first read them.
     * {@link #of} sums exactly these (plus the bodies'); the group analysis counts the same tensors.
     */
    public static Map<String, Long> parameters(ModelGraph g) {
        Acc acc = new Acc();
        params(g, acc);
        Map<String, TensorProto> stored = initializers(g);
        Map<String, Long> out = new LinkedHashMap<>();
        acc.tensors.forEach((name, n) -> {
            if (g.isConstant(name) || stored.containsKey(name)) out.put(name, n); // main graph's, also read in bodies
        });
        return out;
    }

    /** The stored form of a counted parameter: the view's constant, or for a converted one the initializer. */
    private static TensorProto sourceProto(ModelGraph g, String src, Map<String, TensorProto> stored) {
        TensorProto t = g.isConstant(src) ? g.constant(src) : null;
        ConstantOrigin o = t == null ? null : g.constantOrigin(src);
        if (t == null || (o != null && o.kind() == ConstantOrigin.Kind.FOLDED)) t = stored.get(src);
        return t;
    }

    private static Map<String, TensorProto> initializers(ModelGraph g) {
        Map<String, TensorProto> inits = new HashMap<>();
        if (g.model() != null) for (TensorProto init : g.model().proto().getGraph().getInitializerList()) inits.put(init.getName(), init);
        return inits;
    }

    /**
     * Params a node's bodies hold in constants of their own (body initializers and Constant nodes, not names read
     * from the outer scope), recursively: what a view of the main graph alone does not see.
     */
    public static long bodyLocalParams(ModelGraph g, Node n) {
        Acc acc = new Acc();
        acc.counted.addAll(g.constants().keySet());
        for (SubgraphCost.Body body : SubgraphCost.bodies(g, n)) params(body.graph(), acc);
        return acc.params;
    }

    /** A Loop's constant trip count (what {@link #loopCost} multiplies its body by), or -1 when not constant. */
    public static long loopTrips(ModelGraph g, Node n) {
        TensorProto m = n.input(0).isEmpty() ? null : g.constant(n.input(0));
        if (m == null) return -1;
        TensorValue v = ConstantEvaluator.decode(g.model(), m);
        return v != null && v.size() == 1 && v.isKnown() ? v.getLong(0) : -1;
    }

    /**
     * A Scan's iteration count (what {@link #scanCost} multiplies its body by): the length of the scanned axis of
     * its first scanned input, or -1 when not known.
     */
    public static long scanLength(ModelGraph g, Node n) {
        int scans = (int) n.attrInt("num_scan_inputs", 0);
        int first = n.inputs().size() - scans;
        if (scans <= 0 || first < 0) return -1;
        long[] axes = n.attrInts("scan_input_axes");
        Shape x = g.shape(n.input(first));
        if (!x.hasRank()) return -1;
        int axis = axes != null && axes.length > 0 ? (int) axes[0] : 0;
        if (axis < 0) axis += x.rank();
        return axis >= 0 && axis < x.rank() ? x.dims()[axis] : -1;
    }

    /**
     * How many times a Loop ({@link #loopTrips}) or Scan ({@link #scanLength}) runs its body, or -1 when not known. A
     * Scan is told by its required {@code num_scan_inputs} attribute (the op type belongs to its OpDefinition only).
     */
    public static long bodyRuns(ModelGraph g, Node n) {
        return n.attrInt("num_scan_inputs", -1) >= 0 ? scanLength(g, n) : loopTrips(g, n);
    }

    /** The tensors {@link #bodyLocalParams} sums, by stored name: elements (in the order the bodies read them). */
    public static Map<String, Long> bodyLocalParameters(ModelGraph g, Node n) {
        Acc acc = new Acc();
        acc.counted.addAll(g.constants().keySet());
        for (SubgraphCost.Body body : SubgraphCost.bodies(g, n)) params(body.graph(), acc);
        Map<String, Long> out = new LinkedHashMap<>();
        acc.tensors.forEach((name, e) -> { if (!g.isConstant(name)) out.put(name, e); });
        return out;
    }

    /** Sum over the nodes of one body (with its own nested bodies). */
    private static long bodyMacs(ModelGraph body, boolean[] unknown) {
        long total = 0;
        for (Node b : body.nodes()) total += macs(body, b, unknown);
        return total;
    }

    /**
     * Control flow ({@link #ifCost}, {@link #loopCost}, {@link #scanCost}). If: the larger branch (one of them runs). Loop: the body times the trip count when it is a constant (the most
     * iterations the loop can run), else one iteration (unknown). Scan: the body times the length of the scanned
     * axis of the first scanned input (unknown: one iteration). A constant term: pruning does not reach into bodies.
     */
    public static void ifCost(ModelGraph g, Node n, Terms t) {
        boolean[] unknown = new boolean[1];
        long macs = 0;
        for (SubgraphCost.Body b : SubgraphCost.bodies(g, n)) macs = Math.max(macs, bodyMacs(b.graph(), unknown));
        if (unknown[0]) t.unknown = true;
        t.add(macs, List.of());
    }

    public static void loopCost(ModelGraph g, Node n, Terms t) { repeatedBody(g, n, t, loopTrips(g, n)); }

    public static void scanCost(ModelGraph g, Node n, Terms t) { repeatedBody(g, n, t, scanLength(g, n)); }

    /** A body run {@code runs} times (unknown, -1: once, and the cost says it is not fully known). */
    private static void repeatedBody(ModelGraph g, Node n, Terms t, long runs) {
        boolean[] unknown = new boolean[1];
        long per = 0;
        for (SubgraphCost.Body b : SubgraphCost.bodies(g, n)) per += bodyMacs(b.graph(), unknown);
        if (runs < 0) { unknown[0] = true; runs = 1; }
        if (unknown[0]) t.unknown = true;
        t.add(per * runs, List.of());
    }

    /**
     * The stored name of the parameter a view tensor is, or null when it is none: a stored constant (initializer or
     * {@code Constant} node) that is not an int64/bool/string tensor nor a scalar; a constant the view folded counts
     * only when it is a pure conversion or copy of one stored floating initializer (fp16 weights behind a Cast),
     * and then as that initializer (stored type and bytes), once.
     */
    static String parameterSource(ModelGraph g, String t, Map<String, TensorProto> stored) {
        if (!g.isConstant(t)) return null;
        ConstantOrigin o = g.constantOrigin(t);
        String src = t;
        TensorProto p = g.constant(t);
        if (o != null && o.kind() == ConstantOrigin.Kind.FOLDED) {
            src = storedSource(g, t, stored);
            if (src == null) return null;
            p = stored.get(src);
        }
        int type = p.getDataType();
        if (type == TensorProto.DataType.INT64_VALUE || type == TensorProto.DataType.BOOL_VALUE
                || type == TensorProto.DataType.STRING_VALUE || type == 0) return null;
        return p.getDimsCount() > 0 ? src : null;
    }

    /**
     * The stored initializer a folded constant of the view only converts or copies (Cast, Identity, or an Expand
     * that keeps its dims, e.g. fp16 weights cast to float, a class token expanded to a batch of 1), with the same
     * dims; null for any other constant. The group analysis slices that initializer; {@link #of} counts it.
     */
    public static String storedSource(ModelGraph graph, String t) {
        return storedSource(graph, t, initializers(graph));
    }

    private static String storedSource(ModelGraph graph, String t, Map<String, TensorProto> inits) {
        ConstantOrigin o = graph.constantOrigin(t);
        if (o == null || graph.model() == null || !graph.isConstant(t)) return null;
        var g = graph.model().proto().getGraph();
        String src = null;
        for (String name : o.initializers()) {
            TensorProto init = inits.get(name);
            if (init == null || !ElementType.isFloating(init.getDataType())) continue; // shape computation inputs
            if (src != null) return null;
            src = name;
        }
        if (src == null || !inits.get(src).getDimsList().equals(graph.constant(t).getDimsList())) return null;
        // the value path from the initializer may only convert or copy it; nodes off that path compute shapes
        Set<String> path = new HashSet<>(Set.of(src));
        for (int idx : o.nodeIndices()) {
            var n = g.getNode(idx);
            boolean onPath = false;
            for (int i = 0; i < n.getInputCount(); i++) {
                if (!path.contains(n.getInput(i))) continue;
                onPath = true;
                boolean copies = n.getOpType().equals("Cast") || n.getOpType().equals("Identity")
                        || (n.getOpType().equals("Expand") && i == 0 && keepsDims(graph, n.getInput(1), inits.get(src)));
                if (!copies) return null;
            }
            if (onPath) path.addAll(n.getOutputList());
        }
        return src;
    }

    /**
     * An Expand target that leaves every axis of size &gt; 1 of the expanded tensor alone (entry 1), so the
     * Expand still copies the tensor once channels are sliced off it.
     */
    private static boolean keepsDims(ModelGraph graph, String shape, TensorProto src) {
        long[] v;
        try {
            String name = graph.resolve(shape);
            TensorValue tv = graph.value(name);
            if (graph.isConstant(name)) v = graph.constantValue(name).toLongArray();
            else if (tv != null && tv.isIntegral() && tv.isKnown()) v = tv.longs();
            else return false;
        } catch (RuntimeException | dev.lopper.onnx.ModelLoadException e) {
            return false;
        }
        int r = src.getDimsCount();
        if (v.length < r) return false;
        for (int k = 0; k < v.length - r; k++) if (v[k] != 1) return false; // no new leading axes of size > 1
        for (int a = 0; a < r; a++) if (src.getDims(a) > 1 && v[v.length - r + a] != 1) return false;
        return true;
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

    /** Kernel size: a constant from kernel_shape, else the weight's spatial axes. */
    private static List<Axis> kernel(Node n, String w, Shape ws, int spatial, Terms t, long[] constant) {
        long[] ks = n.attrInts("kernel_shape");
        List<Axis> axes = new ArrayList<>();
        for (int i = 0; i < spatial; i++) {
            if (ks != null && i < ks.length) constant[0] *= ks[i];
            else if (ws.hasRank() && ws.rank() == spatial + 2) axes.add(new Axis(w, i + 2));
            else t.unknown = true;
        }
        return axes;
    }

    /** Conv (weight input 1). */
    public static void conv(ModelGraph g, Node n, Terms t) { conv(g, n, t, 1); }

    /** QLinearConv: a Conv whose weight is input 3. */
    public static Cost qLinearConv() { return (g, n, t) -> conv(g, n, t, 3); }

    private static void conv(ModelGraph g, Node n, Terms t, int weightInput) {
        String w = n.input(weightInput);
        String x = n.input(0);
        Shape xs = g.shape(x), ws = g.shape(w), ys = g.shape(n.output(0));
        if (!xs.hasRank() || !ys.hasRank() || !ws.hasRank()) { t.unknown = true; return; }
        long[] c = {1};
        List<Axis> axes = t.all(n.output(0));
        if (ws.rank() >= 2) {
            axes.add(new Axis(w, 1));
        } else {
            // no weight layout: C_in / group as a constant
            c[0] = t.size(xs, 1) / Math.max(1, n.attrInt("group", 1));
        }
        axes.addAll(kernel(n, w, ws, xs.rank() - 2, t, c));
        t.add(c[0], axes);
    }

    public static void convTranspose(ModelGraph g, Node n, Terms t) {
        String w = n.input(1);
        Shape xs = g.shape(n.input(0)), ws = g.shape(w);
        if (!xs.hasRank() || !ws.hasRank() || ws.rank() < 2) { t.unknown = true; return; }
        // W is [C_in, C_out / group, k...]: every input element meets C_out/group x k weights.
        long[] c = {1};
        List<Axis> axes = t.all(n.input(0));
        axes.add(new Axis(w, 1));
        axes.addAll(kernel(n, w, ws, xs.rank() - 2, t, c));
        t.add(c[0], axes);
    }

    public static void gemm(ModelGraph g, Node n, Terms t) {
        Shape a = g.shape(n.input(0));
        Shape y = g.shape(n.output(0));
        if (!a.hasRank() || a.rank() != 2 || !y.hasRank()) { t.unknown = true; return; }
        List<Axis> axes = t.all(n.output(0));
        axes.add(new Axis(n.input(0), n.attrInt("transA", 0) != 0 ? 0 : 1));
        t.add(1, axes);
    }

    /** MatMul (B is input 1). */
    public static void matMul(ModelGraph g, Node n, Terms t) { matMul(g, n, t, 1); }

    /** QLinearMatMul: a MatMul whose B is input 3. */
    public static Cost qLinearMatMul() { return (g, n, t) -> matMul(g, n, t, 3); }

    private static void matMul(ModelGraph g, Node n, Terms t, int bInput) {
        String an = n.input(0), bn = n.input(bInput);
        Shape a = g.shape(an);
        Shape b = g.shape(bn);
        Shape y = g.shape(n.output(0));
        if (!y.hasRank() || (!a.hasRank() && !b.hasRank())) { t.unknown = true; return; }
        List<Axis> axes = t.all(n.output(0));
        if (a.hasRank() && a.rank() >= 1) axes.add(new Axis(an, a.rank() - 1));
        else axes.add(new Axis(bn, b.rank() >= 2 ? b.rank() - 2 : 0));
        t.add(1, axes);
    }

    public static void einsum(ModelGraph g, Node n, Terms t) {
        String eq = n.attrString("equation", "").replace(" ", "");
        String lhs = eq.split("->", -1)[0];
        String[] terms = lhs.split(",", -1);
        // every index letter once, at its largest occurrence (broadcast 1s lose); the ellipsis at its largest
        Map<Character, Axis> letter = new LinkedHashMap<>();
        Map<Character, Long> size = new HashMap<>();
        List<Axis> ellipsis = List.of();
        long ellipsisSize = 1;
        for (int k = 0; k < terms.length && k < n.inputs().size(); k++) {
            String in = n.input(k);
            Shape s = g.shape(in);
            if (!s.hasRank()) { t.unknown = true; return; }
            String term = terms[k];
            String plain = term.replace("...", "");
            int ellRank = s.rank() - plain.length();
            int pos = 0;
            for (int i = 0; i < term.length(); i++) {
                if (term.startsWith("...", i)) {
                    long e = 1;
                    for (int j = pos; j < pos + ellRank; j++) e *= t.size(s, j);
                    if (e > ellipsisSize) {
                        ellipsisSize = e;
                        ellipsis = t.axes(in, pos, pos + ellRank);
                    }
                    pos += ellRank;
                    i += 2;
                    continue;
                }
                long v = t.size(s, pos);
                char ch = term.charAt(i);
                if (!size.containsKey(ch) || v > size.get(ch)) {
                    size.put(ch, v);
                    letter.put(ch, new Axis(in, pos));
                }
                pos++;
            }
        }
        List<Axis> axes = new ArrayList<>(ellipsis);
        axes.addAll(letter.values());
        t.add(1, axes);
    }

    public static void recurrent(ModelGraph g, Node n, Terms t) {
        String x = n.input(0);
        Shape xs = g.shape(x);
        Shape ws = g.shape(n.input(1)), rs = g.shape(n.input(2));
        if (!xs.hasRank() || xs.rank() != 3 || !ws.hasRank() || ws.rank() != 3 || !rs.hasRank() || rs.rank() != 3) {
            t.unknown = true;
            return;
        }
        // seq x batch x (W's elements + R's elements): directions x gates*hidden x (input + hidden), stated on W's and
        // R's axes so that the count follows a pruned hidden size
        t.add(1, Terms.join(t.axes(x, 0, 2), t.axes(n.input(1), 0, 3)));
        t.add(1, Terms.join(t.axes(x, 0, 2), t.axes(n.input(2), 0, 3)));
    }

    public static void pool(ModelGraph g, Node n, Terms t) {
        Shape y = g.shape(n.output(0));
        long[] ks = n.attrInts("kernel_shape");
        if (!y.hasRank() || ks == null) { t.unknown = true; return; }
        long k = 1;
        for (long v : ks) k *= v;
        t.add(k, t.all(n.output(0)));
    }
}
