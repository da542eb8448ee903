package dev.lopper.analysis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Shape;
import dev.lopper.onnx.ElementType;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.TensorData;
import dev.lopper.onnx.proto.Onnx.OperatorSetIdProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * The state rules read and write while the analyzer walks the graph in topological order: the dims of
 * every tensor, constant values, symbolic shape values (Shape → Gather → Concat computations), the role
 * of each constant axis, MAC terms and rewrites.
 */
public final class AnalysisContext {
    /** Where a constant comes from (only stored ones can be sliced by the applier). */
    public enum ConstantOrigin { INITIALIZER, CONSTANT_NODE, FOLDED }

    record ConstantInfo(TensorProto proto, ConstantOrigin origin, String node) { }

    record RoleInfo(ParamSlice.Role role, String node) { }

    /** MACs of a node's term = constant × the sizes of these dims (unknown sizes count as 1), from {@link dev.lopper.graph.Metrics#macTerms}. */
    record MacTerm(String node, List<Dim> dims, long constant) { }

    /** The graph whose nodes are being analyzed: the main graph, or an If branch / Loop or Scan body while it is walked. */
    ModelGraph graph;
    /**
     * The outermost If/Loop/Scan whose body is being walked, as reasons name it ("the body of Scan 'rnn'"; null in
     * the main graph): rewrites there lock instead.
     */
    String body;
    /** Producer node of each tensor computed inside an analyzed If branch or Loop/Scan body (or fed by the node). */
    final Map<String, String> bodyProducers = new HashMap<>();
    /** Analyzed If nodes → their branch graphs (MACs: the larger branch's own terms). */
    final Map<String, List<ModelGraph>> analyzedBodies = new LinkedHashMap<>();
    /** Analyzed Loop and Scan nodes → their body (MACs: the body's own terms times the trip count or scanned length). */
    final Map<String, ModelGraph> analyzedLoops = new LinkedHashMap<>();
    final DimSpace space = new DimSpace();
    final Map<String, Dim[]> dims = new LinkedHashMap<>();
    final Map<String, ConstantInfo> constants = new HashMap<>();
    final Map<String, List<Object>> shapeValues = new HashMap<>();
    final Map<String, RoleInfo[]> roles = new HashMap<>();
    final List<MacTerm> macs = new ArrayList<>();
    final List<Rewrite> rewrites = new ArrayList<>();
    final Map<String, long[]> longCache = new HashMap<>();
    private final int opset;

    AnalysisContext(ModelGraph graph) {
        this.graph = graph;
        int v = 13;
        for (OperatorSetIdProto o : graph.model().proto().getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) v = (int) o.getVersion();
        }
        this.opset = v;
        java.util.Set<String> stored = new java.util.HashSet<>();
        for (TensorProto t : graph.model().proto().getGraph().getInitializerList()) stored.add(t.getName());
        Map<String, String> constantNodes = new HashMap<>();
        for (var n : graph.model().proto().getGraph().getNodeList()) {
            if (n.getOpType().equals("Constant") && n.getOutputCount() > 0) constantNodes.put(n.getOutput(0), n.getName());
        }
        for (Map.Entry<String, TensorProto> e : graph.constants().entrySet()) {
            String name = e.getKey();
            ConstantOrigin o;
            dev.lopper.graph.ConstantOrigin go = graph.constantOrigin(name);
            if (go != null) {
                o = switch (go.kind()) {
                    case INITIALIZER -> ConstantOrigin.INITIALIZER;
                    case CONSTANT_NODE -> ConstantOrigin.CONSTANT_NODE;
                    case FOLDED -> ConstantOrigin.FOLDED;
                };
            } else if (stored.contains(name)) {
                o = ConstantOrigin.INITIALIZER;
            } else if (constantNodes.containsKey(name)) {
                o = ConstantOrigin.CONSTANT_NODE;
            } else {
                o = ConstantOrigin.FOLDED;
            }
            constants.put(name, new ConstantInfo(e.getValue(), o, null));
        }
    }

    public ModelGraph graph() { return graph; }

    // ---- shared constants ----

    /** Per-consumer copy name → the shared stored constant it stands for. */
    final Map<String, String> copyOf = new LinkedHashMap<>();

    /**
     * The node reading its own copy of every stored floating constant that several nodes read (a bias
     * deduplicated by the exporter, one scale shared by all layers): a shared value must not couple the
     * otherwise independent channels of its readers. Copies whose dims end up coupled anyway are merged back
     * when groups are built; the plan applier clones the constant per class of readers only when one loses channels.
     */
    Node unshare(Node n) {
        List<String> ins = null;
        for (int i = 0; i < n.inputs().size(); i++) {
            String t = n.input(i);
            if (!isShared(t)) continue;
            String copy = t + "\u0000@" + n.name();
            if (!constants.containsKey(copy)) {
                ConstantInfo c = constants.get(t);
                constants.put(copy, new ConstantInfo(c.proto(), c.origin(), n.name()));
                copyOf.put(copy, t);
            }
            if (ins == null) ins = new ArrayList<>(n.inputs());
            ins.set(i, copy);
        }
        return ins == null ? n : n.withInputs(ins);
    }

    private final Map<String, Boolean> shared = new HashMap<>();

    private boolean isShared(String t) {
        ConstantInfo c = constants.get(t);
        if (c == null || c.origin() == ConstantOrigin.FOLDED || copyOf.containsKey(t)) return false;
        if (!ElementType.isFloating(c.proto().getDataType()) || c.proto().getDimsCount() == 0) return false;
        // once per constant: a bias read by thousands of nodes must not cost thousands² steps
        return shared.computeIfAbsent(t, k -> graph.consumers(k).stream().map(Node::name).distinct().count() >= 2);
    }

    public DimSpace space() { return space; }

    /** Opset version of the default ONNX domain. */
    public int opset() { return opset; }

    // ---- dims ----

    /** Dims of a tensor (constants get fresh dims on first use), or null when its rank is unknown. */
    public Dim[] dims(String tensor) {
        if (tensor == null || tensor.isEmpty()) return null;
        Dim[] d = dims.get(tensor);
        if (d != null) return d;
        ConstantInfo c = constants.get(tensor);
        if (c != null) {
            d = new Dim[c.proto().getDimsCount()];
            for (int i = 0; i < d.length; i++) d[i] = space.fresh(c.proto().getDims(i), null);
            dims.put(tensor, d);
            return d;
        }
        Shape s = graph.shape(tensor);
        if (s.hasRank()) {
            // a shape known from the file or inference, for a tensor no rule described: fresh, unrelated dims
            d = new Dim[s.rank()];
            for (int i = 0; i < d.length; i++) d[i] = space.fresh(s.dims()[i], null);
            dims.put(tensor, d);
            return d;
        }
        return null;
    }

    /** Dims of an input that must have a known rank. */
    public Dim[] require(Node node, int input) {
        Dim[] d = dims(node.input(input));
        if (d == null) throw new OpRule.RuleFailure("unknown rank of '" + node.input(input) + "' at node '" + node.name() + "'");
        return d;
    }

    public void setDims(String tensor, Dim[] d) {
        if (tensor == null || tensor.isEmpty()) return;
        Dim[] old = dims.get(tensor);
        if (old != null && old.length == d.length) {
            for (int i = 0; i < d.length; i++) unify(old[i], d[i], "shape of " + tensor);
        }
        dims.put(tensor, d);
    }

    public Dim fresh(long size) { return space.fresh(size, null); }

    /** A new channel dimension created by a weighted op (a group root). */
    public Dim channel(Dim d, String label) {
        space.markChannel(d, label);
        return d;
    }

    public boolean unify(Dim a, Dim b, String where) { return space.unify(a, b, where); }

    public void lock(Dim d, String reason) { space.lock(d, reason); }

    public void lockTensor(String tensor, String reason) {
        Dim[] d = dims(tensor);
        if (d != null) for (Dim x : d) space.lock(x, reason);
    }

    /** Node normalizes/reduces across d: removing a channel is not the same as zeroing it. */
    public void mixes(Dim d, Node node) { space.mixing(d, node.name()); }

    public List<Dim> factor(Dim d, long[] sizes, String[] labels, Node at) {
        List<Dim> f = space.factor(d, sizes, labels, at.name());
        if (f == null) throw new OpRule.RuleFailure("cannot split channels of size " + d.size() + " into "
                + java.util.Arrays.toString(sizes) + " at node '" + at.name() + "'");
        return f;
    }

    /**
     * Like {@link #factor} for one channel axis that an op sees as groups × per-group (grouped Conv, GroupNorm):
     * also records the factors (outer to inner) so the allocator can make a ratio hold on the real axis.
     */
    public List<Dim> factorChannels(Dim d, long[] sizes, String[] labels, Node at) {
        List<Dim> f = factor(d, sizes, labels, at);
        int big = 0;
        for (long s : sizes) if (s != 1) big++;
        if (big >= 2) channelProducts.add(List.copyOf(f));
        return f;
    }

    /** Factor lists recorded by {@link #factorChannels}, outer to inner. */
    final List<List<Dim>> channelProducts = new ArrayList<>();

    public Dim product(List<Dim> parts) { return space.composite(Dim.Layout.PRODUCT, parts); }

    public Dim sum(List<Dim> parts) { return space.composite(Dim.Layout.SUM, parts); }

    // ---- constants ----

    public boolean isConstant(String tensor) { return constants.containsKey(tensor); }

    /** A constant, or a constant converted at run time (Cast/Identity of one, e.g. fp16 weights cast to float). */
    public boolean isWeight(String tensor) {
        for (int hops = 0; hops < 4; hops++) {
            if (constants.containsKey(tensor)) return true;
            Node p = graph.producer(tensor).orElse(null);
            if (p == null || !(p.opType().equals("Cast") || p.opType().equals("Identity") || p.opType().equals("DequantizeLinear"))) return false;
            tensor = p.input(0);
        }
        return false;
    }

    public ConstantOrigin constantOrigin(String tensor) {
        ConstantInfo c = constants.get(tensor);
        return c == null ? null : c.origin();
    }

    public TensorProto constant(String tensor) {
        ConstantInfo c = constants.get(tensor);
        return c == null ? null : c.proto();
    }

    public void defineConstant(String tensor, TensorProto value, Node producer) {
        constants.put(tensor, new ConstantInfo(value.toBuilder().setName(tensor).build(), ConstantOrigin.CONSTANT_NODE, producer.name()));
    }

    /** Integer values of a constant (or of a fully known shape value), else null. */
    public long[] longs(String tensor) {
        if (tensor == null || tensor.isEmpty()) return null;
        long[] cached = longCache.get(tensor);
        if (cached != null) return cached;
        ConstantInfo c = constants.get(tensor);
        long[] r = null;
        if (c != null) {
            long n = 1;
            for (long d : c.proto().getDimsList()) n *= d;
            if (n <= 1 << 16) {
                try {
                    r = decode(c.proto()).toLongArray();
                } catch (ModelLoadException | RuntimeException e) {
                    r = null;
                }
            }
        } else {
            List<Object> sv = shapeValues.get(tensor);
            if (sv != null) {
                r = new long[sv.size()];
                for (int i = 0; i < r.length; i++) {
                    Object o = sv.get(i);
                    if (o instanceof Long l) r[i] = l;
                    else if (o instanceof Dim d && d.size() >= 0 && !isDynamic(d)) r[i] = d.size();
                    else return null;
                }
            }
        }
        if (r != null) longCache.put(tensor, r);
        return r;
    }

    /** Floating values of a small constant, else null. */
    public double[] doubles(String tensor) {
        ConstantInfo c = constants.get(tensor);
        if (c == null) return null;
        try {
            return decode(c.proto()).toDoubleArray();
        } catch (ModelLoadException | RuntimeException e) {
            return null;
        }
    }

    /** Decodes a (small) constant; inline raw bytes are copied so buffer offsets cannot leak in. */
    private TensorData decode(TensorProto t) throws ModelLoadException {
        if (t.hasRawData() && !OnnxModel.isExternal(t)) {
            t = t.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(t.getRawData().toByteArray())).build();
        }
        return graph.model().tensor(t);
    }

    public boolean isFloating(String tensor) {
        ConstantInfo c = constants.get(tensor);
        if (c != null) return ElementType.isFloating(c.proto().getDataType());
        return ElementType.isFloating(graph.elemType(tensor));
    }

    // ---- symbolic shape values ----

    /**
     * A 1-D integer tensor (or scalar) whose entries are known numbers ({@link Long}), dims of other tensors
     * ({@link Dim}, as read by Shape) or unknown (null). Constants are shape values too.
     */
    public List<Object> shapeValue(String tensor) {
        List<Object> sv = shapeValues.get(tensor);
        if (sv != null) return sv;
        ConstantInfo c = constants.get(tensor);
        if (c != null && c.proto().getDimsCount() <= 1 && !ElementType.isFloating(c.proto().getDataType())) {
            long[] v = longs(tensor);
            if (v == null) return null;
            List<Object> r = new ArrayList<>();
            for (long x : v) r.add(x);
            return r;
        }
        dev.lopper.graph.TensorValue tv = graph.value(tensor);
        if (tv != null && tv.isIntegral() && tv.rank() <= 1) {
            List<Object> r = new ArrayList<>();
            for (int k = 0; k < tv.size(); k++) r.add(tv.isKnown(k) ? (Object) tv.getLong(k) : DYNAMIC);
            return r;
        }
        return null;
    }

    /** Where a shape-value entry was read from a stored constant: input {@code input} of {@code node}, element {@code element}. */
    public record Provenance(String node, int input, String constant, int element) { }

    final Map<String, Provenance[]> provenance = new HashMap<>();

    public Provenance[] provenance(String tensor) { return provenance.get(tensor); }

    public void setProvenance(String tensor, Provenance[] p) { if (p != null) provenance.put(tensor, p); }

    /** A shape-value entry known to be a dynamic (symbolic) size, never a channel count. */
    public static final String DYNAMIC = "dynamic";

    public void setShapeValue(String tensor, List<Object> value) {
        shapeValues.put(tensor, value);
        longCache.remove(tensor);
    }

    /** True when the dim follows a graph input's axis or is otherwise not a channel (its size may vary at run time). */
    public static boolean isDynamic(Dim d) {
        Dim r = DimSpace.find(d);
        return r.size < 0;
    }

    // ---- roles, MACs, rewrites ----

    /** Records how a node uses a constant's axis (first use wins). */
    public void role(String constant, int axis, ParamSlice.Role role, Node node) {
        // a weight stored in another type and converted at run time (Cast of fp16 weights) owns the role
        for (int hops = 0; hops < 4 && !constants.containsKey(constant); hops++) {
            Node p = graph.producer(constant).orElse(null);
            if (p == null || !(p.opType().equals("Cast") || p.opType().equals("Identity") || p.opType().equals("DequantizeLinear"))) return;
            constant = p.input(0);
        }
        if (!constants.containsKey(constant)) return;
        Dim[] d = dims(constant);
        if (d == null || axis >= d.length) return;
        RoleInfo[] r = roles.computeIfAbsent(constant, k -> new RoleInfo[d.length]);
        if (r[axis] == null) r[axis] = new RoleInfo(role, node.name());
    }

    /**
     * The MAC terms of every node, from the one definition of MACs ({@link dev.lopper.graph.Metrics#macTerms}, which
     * {@code inspect} evaluates with the graph's shapes): each tensor axis becomes its dimension here, so the count
     * follows pruning; an axis this analysis has no dimension for counts with its shape's size.
     */
    void collectMacs() {
        collectMacs(graph, 1);
    }

    private void collectMacs(ModelGraph graph, long times) {
        for (Node n : graph.nodes()) {
            ModelGraph loop = analyzedLoops.get(n.name());
            if (loop != null) {
                long trips = dev.lopper.graph.Metrics.bodyRuns(graph, n);
                collectMacs(loop, Math.multiplyExact(times, trips < 0 ? 1 : trips));
                continue;
            }
            List<ModelGraph> branches = analyzedBodies.get(n.name());
            if (branches != null) {
                // If = the larger branch (the one definition, Metrics.ifCost): its own terms, so its channels count
                ModelGraph larger = null;
                long most = -1;
                for (ModelGraph b : branches) {
                    long m = 0;
                    for (Node x : b.nodes()) m += dev.lopper.graph.Metrics.macs(b, x);
                    if (m > most) { most = m; larger = b; }
                }
                if (larger != null) collectMacs(larger, times);
                continue;
            }
            for (dev.lopper.graph.Metrics.MacTerm t : dev.lopper.graph.Metrics.macTerms(graph, n)) {
                long c = t.constant();
                List<Dim> ds = new ArrayList<>(t.axes().size());
                for (dev.lopper.graph.Metrics.Axis a : t.axes()) {
                    Dim[] d = dims.get(a.tensor());
                    if (d != null && a.axis() < d.length) {
                        ds.add(d[a.axis()]);
                    } else {
                        dev.lopper.graph.Shape s = graph.shape(a.tensor());
                        c *= Math.max(1, s.hasRank() && a.axis() < s.rank() ? s.dims()[a.axis()] : 1);
                    }
                }
                macs.add(new MacTerm(n.name(), ds, Math.multiplyExact(c, times)));
            }
        }
    }

    public void rewrite(Rewrite r) {
        if (body == null) {
            rewrites.add(r);
            return;
        }
        // the applier rewrites nodes of the main graph only: what a rewrite inside a body would change stays whole
        String reason = "node '" + r.node() + "' inside " + body + " would need rewriting";
        List<Dim> touched = new ArrayList<>();
        if (r instanceof Rewrite.IntAttribute ia) touched.add(ia.size());
        else if (r instanceof Rewrite.ConstantPatch cp) touched.add(cp.size());
        else if (r instanceof Rewrite.SplitSizes ss) { touched.addAll(ss.parts()); touched.addAll(ss.dependsOn()); }
        else if (r instanceof Rewrite.ShapeInput si) { touched.addAll(si.entries()); touched.addAll(si.dependsOn()); }
        else if (r instanceof Rewrite.SliceBounds sb) { touched.add(sb.before()); touched.add(sb.kept()); touched.addAll(sb.dependsOn()); }
        for (Dim d : touched) if (DimInfo.hasChannel(d)) space.lock(d, reason);
    }

    private java.util.Set<String> nodeNames;

    /** Names of the nodes analyzed so far (the main graph's, then the branches'): branch nodes get unique ones. */
    java.util.Set<String> nodeNames() {
        if (nodeNames == null) {
            nodeNames = new java.util.HashSet<>();
            for (Node n : graph.nodes()) nodeNames.add(n.name());
        }
        return nodeNames;
    }

    /** Registers the constants a branch graph holds of its own (body initializers, Constant nodes). */
    void addBodyConstants(ModelGraph g) {
        for (Map.Entry<String, TensorProto> e : g.constants().entrySet()) {
            if (constants.containsKey(e.getKey())) continue; // read from the outer scope
            dev.lopper.graph.ConstantOrigin go = g.constantOrigin(e.getKey());
            ConstantOrigin o = go == null ? ConstantOrigin.FOLDED : switch (go.kind()) {
                case INITIALIZER -> ConstantOrigin.INITIALIZER;
                case CONSTANT_NODE -> ConstantOrigin.CONSTANT_NODE;
                case FOLDED -> ConstantOrigin.FOLDED;
            };
            constants.put(e.getKey(), new ConstantInfo(e.getValue(), o, null));
        }
    }

    /** Dims read (through Shape) by the computation of a small integer tensor: its value changes with them. */
    final Map<String, List<Dim>> taints = new HashMap<>();

    public List<Dim> shapeDependencies(String tensor) {
        if (tensor == null || tensor.isEmpty() || isStoredConstant(tensor)) return List.of();
        List<Dim> t = new ArrayList<>(taints.getOrDefault(tensor, List.of()));
        ConstantInfo c = constants.get(tensor);
        if (c != null && c.origin() == ConstantOrigin.FOLDED) {
            // folded by the standardizer: find the Shape reads of its computation in the original nodes
            for (String read : shapeReads(tensor)) {
                Dim[] d = dims.get(graph.resolve(read));
                if (d != null) java.util.Collections.addAll(t, d);
            }
        }
        return t;
    }

    private Map<String, dev.lopper.onnx.proto.Onnx.NodeProto> originalProducers;

    /** Tensors whose Shape the original computation of {@code tensor} reads (bounded walk up the file's nodes). */
    private java.util.Set<String> shapeReads(String tensor) {
        if (originalProducers == null) {
            originalProducers = new HashMap<>();
            for (var n : graph.model().proto().getGraph().getNodeList()) for (String o : n.getOutputList()) originalProducers.put(o, n);
        }
        java.util.Set<String> reads = new java.util.LinkedHashSet<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(tensor));
        while (!todo.isEmpty() && seen.size() < 512) {
            String t = todo.pop();
            if (!seen.add(t)) continue;
            var p = originalProducers.get(t);
            if (p == null) continue;
            if (p.getOpType().equals("Shape") || p.getOpType().equals("Size")) {
                reads.add(p.getInput(0));
                continue;
            }
            for (String in : p.getInputList()) if (!in.isEmpty()) todo.push(in);
        }
        return reads;
    }

    boolean isStoredConstant(String tensor) {
        ConstantInfo c = constants.get(tensor);
        return c != null && c.origin() != ConstantOrigin.FOLDED;
    }

    /** Follows Shape reads into small integer tensors (shape computations). */
    void propagateTaint(Node n) {
        java.util.Set<Dim> t = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        if (n.opType().equals("Shape")) {
            Dim[] d = dims.get(n.input(0));
            if (d != null) java.util.Collections.addAll(t, d);
        }
        boolean pickedExactly = false;
        if (n.opType().equals("Gather") || n.opType().equals("Slice")) {
            // picking entries of a Shape: depend on exactly the dims picked
            List<Object> sv = shapeValues.get(n.output(0));
            if (sv != null) {
                for (Object e : sv) if (e instanceof Dim d) t.add(d);
                pickedExactly = true;
            }
        }
        for (int i = 0; i < n.inputs().size(); i++) {
            if (pickedExactly && i == 0) continue;
            String in = n.input(i);
            List<Dim> x = taints.get(in);
            if (x != null) t.addAll(x);
            ConstantInfo c = constants.get(in);
            if (c != null && c.origin() == ConstantOrigin.FOLDED) {
                for (String read : shapeReads(in)) {
                    Dim[] d = dims.get(graph.resolve(read));
                    if (d != null) java.util.Collections.addAll(t, d);
                }
            }
        }
        if (t.isEmpty()) return;
        // a value computed from channel counts (e.g. attention scaled by 1/sqrt(head size read from a Shape)):
        // removing channels changes it, so zeroing them is not the same as removing them
        // (a small float computed here from shapes, or a folded one consumed here)
        boolean numeric = false;
        for (String o : n.outputs()) {
            Dim[] od = dims.get(o);
            numeric |= od != null && od.length <= 1 && dev.lopper.onnx.ElementType.isFloating(graph.elemType(o));
        }
        for (String in : n.inputs()) {
            ConstantInfo c = constants.get(in);
            numeric |= c != null && c.origin() == ConstantOrigin.FOLDED && dev.lopper.onnx.ElementType.isFloating(c.proto().getDataType())
                    && !shapeReads(in).isEmpty();
        }
        if (numeric) for (Dim d : t) if (DimInfo.hasChannel(d)) space.mixing(d, n.name());
        List<Dim> list = List.copyOf(t);
        for (String o : n.outputs()) {
            Dim[] d = dims.get(o);
            if (d != null && d.length <= 1) taints.put(o, list);
        }
    }

    final List<String> unhandled = new ArrayList<>();

    /** Locks every dim of every input and output of the node; outputs of unknown rank stay unknown. */
    public void lockAll(Node node, String reason) {
        unhandled.add(reason);
        for (String in : node.inputs()) lockTensor(in, reason);
        for (String out : node.outputs()) {
            if (out.isEmpty()) continue;
            Dim[] d = dims(out);
            if (d != null) for (Dim x : d) space.lock(x, reason);
        }
    }
}
