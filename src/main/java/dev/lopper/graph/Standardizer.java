package dev.lopper.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.lopper.onnx.ElementType;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;
import dev.lopper.task.Progress;

/**
 * Builds the standardized view of a model. The file is never changed; the view differs from it in:
 * <ol>
 *   <li>{@code Constant} nodes become constants (every {@code value*} attribute form; origin
 *       {@link ConstantOrigin.Kind#CONSTANT_NODE}); a Constant whose output is a graph output is kept;</li>
 *   <li>{@code Identity} and inference {@code Dropout} (mask unused, no true {@code training_mode}) are bypassed:
 *       consumers read the source tensor ({@link ModelGraph#aliases()}); one producing a graph output is kept;</li>
 *   <li>shape inference runs over the nodes in topological order (see {@link ShapeInference}); a node whose
 *       outputs the {@link ConstantEvaluator} computes completely (e.g. {@code Shape -> Gather -> Unsqueeze ->
 *       Concat} once the shapes are static) is folded: its outputs become constants (origin
 *       {@link ConstantOrigin.Kind#FOLDED}, listing every original node of the computation) and it leaves the
 *       view. Folding is limited to integer/bool results of at most {@link ConstantEvaluator#MAX_ELEMENTS}
 *       elements and floating results of at most {@link #MAX_FOLDED_FLOATS} elements (scalars such as
 *       {@code sqrt(head_dim)}): weights are never computed into new constants;</li>
 *   <li>decomposed LayerNorm / RMSNorm / GELU become one logical node each ({@link PatternFusion}).</li>
 * </ol>
 * <b>Symbolic dims.</b> A model input dim that is symbolic and not given by the caller stays symbolic: no
 * default such as batch = 1 is assumed, because a folded constant would then bake that size into whatever a
 * rewriter writes. Symbols still flow through shape computations as partial values, so a
 * {@code Reshape} into attention heads gets {@code [batch, seq, 12, 64]}. Giving a size for a symbol on one
 * input binds that symbol on every input ({@code input_ids=1,128} also fixes {@code attention_mask}).
 */
public final class Standardizer {
    /** Largest floating-point result (elements) that folding turns into a constant. */
    public static final int MAX_FOLDED_FLOATS = 64;

    /** How much of the standardization to apply. */
    public enum Mode {
        /** Every pass: Constant nodes, Identity/Dropout bypass, folding, pattern fusion. */
        STANDARDIZED,
        /** The nodes exactly as stored; only shapes, element types and values are inferred. */
        AS_STORED
    }

    private Standardizer() {}

    /** What standardization did, for reports. */
    public record Summary(int constantNodes, int bypassed, int folded, int fused) { }

    private static final Map<ModelGraph, Summary> SUMMARIES = Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** What standardization did to build {@code g} (zeros for a graph not built here). */
    public static Summary summary(ModelGraph g) {
        return SUMMARIES.getOrDefault(g, new Summary(0, 0, 0, 0));
    }

    public static ModelGraph standardize(OnnxModel model, Map<String, long[]> inputShapes, Mode mode,
                                         Progress progress) {
        boolean std = mode == Mode.STANDARDIZED;
        GraphProto g = model.proto().getGraph();
        progress.update("Reading graph", 0, 1);
        List<Node> nodes = ModelGraph.sortedNodes(g);
        int opset = defaultOpset(model);

        Map<String, TensorProto> constants = new LinkedHashMap<>();
        Map<String, ConstantOrigin> origins = new HashMap<>();
        Map<String, Shape> shapes = new HashMap<>();
        Map<String, Integer> types = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            constants.put(t.getName(), t);
            origins.put(t.getName(), ConstantOrigin.initializer(t.getName()));
            shapes.put(t.getName(), Shape.of(t.getDimsList()));
            types.put(t.getName(), t.getDataType());
        }
        List<String> inputs = new ArrayList<>();
        Map<String, Shape> inputShapesDeclared = new LinkedHashMap<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (constants.containsKey(v.getName())) continue;
            inputs.add(v.getName());
            ModelGraph.recordValueInfo(v, inputShapesDeclared, types);
        }
        Map<String, Shape> declared = new HashMap<>();
        Map<String, Integer> declaredTypes = new HashMap<>();
        for (ValueInfoProto v : g.getValueInfoList()) ModelGraph.recordValueInfo(v, declared, declaredTypes);
        List<String> outputs = new ArrayList<>();
        for (ValueInfoProto v : g.getOutputList()) {
            ModelGraph.recordValueInfo(v, declared, declaredTypes);
            outputs.add(v.getName());
        }
        Map<String, Long> bindings = applyInputShapes(inputs, inputShapesDeclared, inputShapes);
        for (Map.Entry<String, Shape> e : inputShapesDeclared.entrySet()) shapes.put(e.getKey(), bind(e.getValue(), bindings));
        if (!bindings.isEmpty()) declared.replaceAll((k, s) -> bind(s, bindings));
        Set<String> graphOutputs = new HashSet<>(outputs);

        Set<Node> removed = Collections.newSetFromMap(new IdentityHashMap<>());
        int constantNodes = 0;
        int bypassed = 0;
        Map<String, String> aliases = new HashMap<>();
        if (std) {
            // 1. Constant nodes become constants.
            for (Node n : nodes) {
                if (!n.isDefaultDomain() || !n.opType().equals("Constant") || n.output(0).isEmpty()) continue;
                String out = n.output(0);
                if (graphOutputs.contains(out)) continue;
                TensorProto t = ConstantEvaluator.constantTensor(n, out);
                if (t == null) continue;
                constants.put(out, t);
                origins.put(out, ConstantOrigin.constantNode(n.protoIndices().get(0)));
                shapes.put(out, Shape.of(t.getDimsList()));
                types.put(out, t.getDataType());
                removed.add(n);
                constantNodes++;
            }
            // 2. Identity / inference Dropout bypass.
            Set<String> used = new HashSet<>(graphOutputs);
            for (Node n : nodes) {
                used.addAll(n.inputs());
                used.addAll(n.implicitInputs());
            }
            for (Node n : nodes) {
                if (removed.contains(n) || !n.isDefaultDomain() || n.hasSubgraphs()) continue;
                String in = n.input(0);
                String out = n.output(0);
                if (in.isEmpty() || out.isEmpty() || graphOutputs.contains(out)) continue;
                boolean bypass = false;
                if (n.opType().equals("Identity")) bypass = true;
                else if (n.opType().equals("Dropout")) {
                    boolean maskUnused = n.output(1).isEmpty() || !used.contains(n.output(1));
                    bypass = maskUnused && inferenceDropout(n, constants, model);
                }
                if (!bypass) continue;
                aliases.put(out, in);
                removed.add(n);
                bypassed++;
            }
            if (!aliases.isEmpty()) {
                for (String k : new ArrayList<>(aliases.keySet())) aliases.put(k, resolve(aliases, k));
                for (int i = 0; i < nodes.size(); i++) {
                    Node n = nodes.get(i);
                    if (removed.contains(n)) continue;
                    boolean changed = false;
                    List<String> ins = new ArrayList<>(n.inputs());
                    for (int j = 0; j < ins.size(); j++) {
                        String r = aliases.get(ins.get(j));
                        if (r != null) { ins.set(j, r); changed = true; }
                    }
                    if (changed) n = n.withInputs(ins);
                    if (!n.implicitInputs().isEmpty()) {
                        java.util.LinkedHashSet<String> imp = new java.util.LinkedHashSet<>();
                        for (String t : n.implicitInputs()) imp.add(aliases.getOrDefault(t, t));
                        n = n.withImplicitInputs(new ArrayList<>(imp));
                    }
                    nodes.set(i, n);
                }
            }
        }

        // 3. Shape inference and folding.
        ShapeInference si = new ShapeInference(opset, shapes, types, declared,
                name -> {
                    TensorProto t = constants.get(name);
                    return t == null ? null : ConstantEvaluator.decode(model, t);
                },
                constants::containsKey);
        int total = nodes.size();
        int folded = 0;
        Map<String, TensorValue> values = new HashMap<>();
        for (int i = 0; i < total; i++) {
            if ((i & 1023) == 0) {
                progress.checkCancelled();
                progress.update("Inferring shapes", i, total);
            }
            Node n = nodes.get(i);
            if (removed.contains(n)) continue;
            si.infer(n);
            for (String o : n.outputs()) {
                if (!o.isEmpty() && !types.containsKey(o) && declaredTypes.containsKey(o)) types.put(o, declaredTypes.get(o));
            }
            if (std && foldable(n, si, graphOutputs)) {
                Set<Integer> idx = new TreeSet<>(n.protoIndices());
                Set<String> inits = new TreeSet<>();
                for (String in : n.inputs()) {
                    ConstantOrigin o = origins.get(in);
                    if (o == null) continue;
                    idx.addAll(o.nodeIndices());
                    inits.addAll(o.initializers());
                }
                for (String o : n.outputs()) {
                    if (o.isEmpty()) continue;
                    TensorValue v = si.computedValue(o);
                    constants.put(o, v.toProto(o));
                    origins.put(o, new ConstantOrigin(ConstantOrigin.Kind.FOLDED, new ArrayList<>(idx), new ArrayList<>(inits)));
                    values.put(o, v);
                }
                removed.add(n);
                folded++;
            } else {
                for (String o : n.outputs()) {
                    TensorValue v = o.isEmpty() ? null : si.computedValue(o);
                    if (v != null && v.isIntegral()) values.put(o, v);
                }
            }
        }
        progress.update("Inferring shapes", total, total);

        List<Node> view = new ArrayList<>(nodes.size());
        for (Node n : nodes) if (!removed.contains(n)) view.add(n);

        // 4. Pattern fusion.
        int fused = 0;
        if (std) {
            progress.update("Recognizing patterns", 0, 1);
            PatternFusion pf = new PatternFusion(view, graphOutputs, constants,
                    name -> si.value(name), shapes);
            view = pf.run();
            fused = pf.fusedCount();
            // Folded values nobody reads any more leave the view (the origins of those read stay).
            Set<String> read = new HashSet<>(graphOutputs);
            for (Node n : view) {
                read.addAll(n.inputs());
                read.addAll(n.implicitInputs());
            }
            constants.keySet().removeIf(k -> origins.get(k).kind() == ConstantOrigin.Kind.FOLDED && !read.contains(k));
            origins.keySet().removeIf(k -> !constants.containsKey(k));
        }
        ModelGraph mg = new ModelGraph(model, view, constants, shapes, types, inputs, outputs, origins, aliases, values);
        SUMMARIES.put(mg, new Summary(constantNodes, bypassed, folded, fused));
        progress.update("Graph ready", 1, 1);
        return mg;
    }

    static int defaultOpset(OnnxModel model) {
        for (var o : model.proto().getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) return (int) o.getVersion();
        }
        return 1;
    }

    private static String resolve(Map<String, String> aliases, String t) {
        String r = t;
        for (int guard = 0; aliases.containsKey(r) && guard < 10_000; guard++) r = aliases.get(r);
        return r;
    }

    /**
     * A Dropout that is an identity: no training_mode input or a constant false one (opset 12+), or a
     * constant ratio of 0 (then even training mode keeps every element).
     */
    private static boolean inferenceDropout(Node n, Map<String, TensorProto> constants, OnnxModel model) {
        if (n.attrInt("is_test", 0) != 0) return true;
        TensorValue ratio = constants.containsKey(n.input(1)) ? ConstantEvaluator.decode(model, constants.get(n.input(1))) : null;
        if (ratio != null && ratio.size() == 1 && ratio.getDouble(0) == 0.0) return true;
        String tm = n.input(2);
        if (tm.isEmpty()) return true;
        TensorProto t = constants.get(tm);
        if (t == null) return false;
        TensorValue v = ConstantEvaluator.decode(model, t);
        return v != null && v.size() == 1 && v.getLong(0) == 0;
    }

    private static boolean foldable(Node n, ShapeInference si, Set<String> graphOutputs) {
        if (!n.isDefaultDomain() || !ConstantEvaluator.supports(n.opType()) || n.hasSubgraphs()) return false;
        boolean any = false;
        for (String o : n.outputs()) {
            if (o.isEmpty()) continue;
            if (graphOutputs.contains(o)) return false;
            TensorValue v = si.computedValue(o);
            if (v == null || !v.isKnown() || !TensorValue.encodable(v.elemType())) return false;
            int limit = v.isIntegral() ? ConstantEvaluator.MAX_ELEMENTS : MAX_FOLDED_FLOATS;
            if (v.size() > limit) return false;
            any = true;
        }
        return any;
    }

    /**
     * Applies caller-given input sizes: checks names, ranks and fixed dims, and returns the symbol bindings
     * ({@code dim_param -> size}) they imply.
     */
    static Map<String, Long> applyInputShapes(List<String> inputs, Map<String, Shape> declared,
                                              Map<String, long[]> given) {
        Map<String, Long> bindings = new HashMap<>();
        if (given == null || given.isEmpty()) return bindings;
        for (Map.Entry<String, long[]> e : given.entrySet()) {
            String name = e.getKey();
            long[] dims = e.getValue();
            if (!inputs.contains(name)) {
                throw new IllegalArgumentException("model has no input '" + name + "' (inputs: " + String.join(", ", inputs) + ")");
            }
            for (long d : dims) {
                if (d < 0) throw new IllegalArgumentException("input '" + name + "': sizes must be >= 0, got " + Arrays.toString(dims));
            }
            Shape s = declared.get(name);
            if (s != null && s.hasRank()) {
                if (s.rank() != dims.length) {
                    throw new IllegalArgumentException("input '" + name + "' has rank " + s.rank() + " " + s
                            + ", got " + dims.length + " sizes");
                }
                for (int i = 0; i < dims.length; i++) {
                    if (s.dims()[i] >= 0 && s.dims()[i] != dims[i]) {
                        throw new IllegalArgumentException("input '" + name + "' has fixed size " + s.dims()[i]
                                + " at axis " + i + " " + s + ", got " + dims[i]);
                    }
                    if (s.dims()[i] < 0 && s.symbols()[i] != null) bindings.put(s.symbols()[i], dims[i]);
                }
            }
        }
        for (Map.Entry<String, long[]> e : given.entrySet()) declared.put(e.getKey(), Shape.of(e.getValue()));
        return bindings;
    }

    private static Shape bind(Shape s, Map<String, Long> bindings) {
        if (bindings.isEmpty() || s == null || !s.hasRank()) return s;
        long[] d = s.dims().clone();
        String[] sy = s.symbols().clone();
        boolean changed = false;
        for (int i = 0; i < d.length; i++) {
            if (d[i] < 0 && sy[i] != null && bindings.containsKey(sy[i])) {
                d[i] = bindings.get(sy[i]);
                sy[i] = null;
                changed = true;
            }
        }
        return changed ? new Shape(d, sy) : s;
    }

    /** Human name of an element type number (for reports). */
    static String typeName(int t) { return t == 0 ? "unknown" : ElementType.name(t); }
}
