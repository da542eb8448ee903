package dev.lopper.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jgrapht.Graph;
import org.jgrapht.graph.DirectedPseudograph;

import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.TensorData;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorShapeProto;
import dev.lopper.onnx.proto.Onnx.TypeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/**
 * The computational graph of a model over a JGraphT DAG (parallel edges allowed, e.g. {@code Add(x, x)}).
 * Nodes are kept in topological order. Tensors are looked up by name: producer, consumers, shape,
 * element type and, for constants, their value. The graph is immutable once built.
 */
public final class ModelGraph {
    private final OnnxModel model;
    private final List<Node> nodes;
    private final Map<String, Node> byName = new HashMap<>();
    private final Map<String, Node> producers = new HashMap<>();
    private final Map<String, List<Node>> consumers = new HashMap<>();
    private final Map<String, TensorProto> constants;
    private final Map<String, Shape> shapes;
    private final Map<String, Integer> elemTypes;
    private final List<String> inputs;
    private final List<String> outputs;
    private volatile Graph<Node, TensorEdge> dag;
    private final Map<String, ConstantOrigin> origins;
    private final Map<String, String> aliases;
    private final Map<String, TensorValue> values;

    /**
     * @param nodes     nodes in topological order
     * @param constants tensors with a value known before running: initializers, Constant outputs, folds
     * @param shapes    known shapes by tensor name
     * @param elemTypes known element types by tensor name
     * @param inputs    graph inputs that are not constants (what a user feeds)
     * @param outputs   graph outputs
     */
    public ModelGraph(OnnxModel model, List<Node> nodes, Map<String, TensorProto> constants,
                      Map<String, Shape> shapes, Map<String, Integer> elemTypes,
                      List<String> inputs, List<String> outputs) {
        this(model, nodes, constants, shapes, elemTypes, inputs, outputs, initializerOrigins(model, constants),
                Map.of(), Map.of());
    }

    /**
     * @param origins where each constant comes from (see {@link ConstantOrigin})
     * @param aliases tensors bypassed by standardization (Identity/Dropout outputs) mapped to the tensor
     *                the view reads instead
     * @param values  known or partially known (symbolic) values of small integer tensors (shape computations)
     */
    public ModelGraph(OnnxModel model, List<Node> nodes, Map<String, TensorProto> constants,
                      Map<String, Shape> shapes, Map<String, Integer> elemTypes,
                      List<String> inputs, List<String> outputs, Map<String, ConstantOrigin> origins,
                      Map<String, String> aliases, Map<String, TensorValue> values) {
        this.origins = Collections.unmodifiableMap(new HashMap<>(origins));
        this.aliases = Collections.unmodifiableMap(new HashMap<>(aliases));
        this.values = Collections.unmodifiableMap(new HashMap<>(values));
        this.model = model;
        this.nodes = List.copyOf(nodes);
        this.constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
        this.shapes = Collections.unmodifiableMap(new HashMap<>(shapes));
        this.elemTypes = Collections.unmodifiableMap(new HashMap<>(elemTypes));
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        for (Node n : this.nodes) {
            byName.put(n.name(), n);
            for (String o : n.outputs()) if (!o.isEmpty()) producers.put(o, n);
        }
        for (Node n : this.nodes) {
            List<String> ins = n.inputs();
            for (int i = 0; i < ins.size(); i++) {
                String t = ins.get(i);
                if (t.isEmpty()) continue;
                consumers.computeIfAbsent(t, k -> new ArrayList<>(2)).add(n);
            }
            for (String t : n.implicitInputs()) consumers.computeIfAbsent(t, k -> new ArrayList<>(2)).add(n);
        }
    }

    /** Builds the JGraphT view on first use (inspect and most passes work on the maps alone). */
    private Graph<Node, TensorEdge> buildDag() {
        Graph<Node, TensorEdge> g = new DirectedPseudograph<>(null, null, false);
        for (Node n : nodes) g.addVertex(n);
        for (Node n : nodes) {
            List<String> ins = n.inputs();
            for (int i = 0; i < ins.size(); i++) {
                String t = ins.get(i);
                if (t.isEmpty()) continue;
                Node p = producers.get(t);
                if (p != null) g.addEdge(p, n, new TensorEdge(t, i));
            }
            for (String t : n.implicitInputs()) {
                Node p = producers.get(t);
                if (p != null) g.addEdge(p, n, new TensorEdge(t, TensorEdge.IMPLICIT));
            }
        }
        return g;
    }

    private static Map<String, ConstantOrigin> initializerOrigins(OnnxModel model, Map<String, TensorProto> constants) {
        Map<String, ConstantOrigin> o = new HashMap<>();
        if (model == null) return o;
        for (TensorProto t : model.proto().getGraph().getInitializerList()) {
            if (constants.containsKey(t.getName())) o.put(t.getName(), ConstantOrigin.initializer(t.getName()));
        }
        return o;
    }

    /** The graph exactly as stored in the file (no standardization), shapes from the file's value_info. */
    public static ModelGraph raw(OnnxModel model) {
        GraphProto g = model.proto().getGraph();
        List<Node> nodes = sortedNodes(g);
        Map<String, TensorProto> constants = new LinkedHashMap<>();
        Map<String, Shape> shapes = new HashMap<>();
        Map<String, Integer> types = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            constants.put(t.getName(), t);
            shapes.put(t.getName(), Shape.of(t.getDimsList()));
            types.put(t.getName(), t.getDataType());
        }
        List<String> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            recordValueInfo(v, shapes, types);
            if (!constants.containsKey(v.getName())) inputs.add(v.getName());
        }
        for (ValueInfoProto v : g.getValueInfoList()) recordValueInfo(v, shapes, types);
        List<String> outputs = new ArrayList<>();
        for (ValueInfoProto v : g.getOutputList()) {
            recordValueInfo(v, shapes, types);
            outputs.add(v.getName());
        }
        return new ModelGraph(model, nodes, constants, shapes, types, inputs, outputs);
    }

    /** The graph's nodes as {@link Node}s with unique names, in a topological order (stable: file order when valid). */
    static List<Node> sortedNodes(GraphProto g) {
        int n = g.getNodeCount();
        List<Node> nodes = new ArrayList<>(n);
        Map<String, Integer> nameCount = new HashMap<>();
        for (int i = 0; i < n; i++) {
            NodeProto p = g.getNode(i);
            nodes.add(Node.of(p, i, uniqueName(p, i, nameCount)));
        }
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < n; i++) for (String o : g.getNode(i).getOutputList()) if (!o.isEmpty()) producer.put(o, i);
        boolean sorted = true;
        for (int i = 0; i < n && sorted; i++) {
            for (String in : g.getNode(i).getInputList()) {
                Integer p = producer.get(in);
                if (p != null && p >= i) { sorted = false; break; }
            }
        }
        if (sorted) return nodes;
        // JGraphT's topological order over node indices, lowest file index first among the ready ones
        Graph<Integer, Object> deps = new org.jgrapht.graph.DirectedPseudograph<>(null, Object::new, false);
        for (int i = 0; i < n; i++) deps.addVertex(i);
        for (int i = 0; i < n; i++) {
            for (String in : g.getNode(i).getInputList()) {
                Integer p = producer.get(in);
                if (p != null && p != i) deps.addEdge(p, i);
            }
        }
        List<Node> out = new ArrayList<>(n);
        try {
            new org.jgrapht.traverse.TopologicalOrderIterator<>(deps, Integer::compare).forEachRemaining(i -> out.add(nodes.get(i)));
        } catch (IllegalArgumentException e) {
            return nodes; // a cycle: the reader reports it; keep file order
        }
        return out;
    }

    /** Unique, stable node name: the node's own name, or OpType_index when empty, suffixed when repeated. */
    static String uniqueName(NodeProto p, int index, Map<String, Integer> seen) {
        String base = p.getName().isEmpty() ? p.getOpType() + "_" + index : p.getName();
        int c = seen.merge(base, 1, Integer::sum);
        return c == 1 ? base : base + "~" + (c - 1);
    }

    static void recordValueInfo(ValueInfoProto v, Map<String, Shape> shapes, Map<String, Integer> types) {
        if (!v.hasType() || v.getType().getValueCase() != TypeProto.ValueCase.TENSOR_TYPE) return;
        TypeProto.Tensor tt = v.getType().getTensorType();
        if (tt.getElemType() != 0) types.put(v.getName(), tt.getElemType());
        if (tt.hasShape()) shapes.put(v.getName(), toShape(tt.getShape()));
    }

    public static Shape toShape(TensorShapeProto sp) {
        int r = sp.getDimCount();
        long[] d = new long[r];
        String[] s = new String[r];
        for (int i = 0; i < r; i++) {
            TensorShapeProto.Dimension dim = sp.getDim(i);
            if (dim.hasDimValue()) d[i] = dim.getDimValue();
            else {
                d[i] = -1;
                s[i] = dim.hasDimParam() && !dim.getDimParam().isEmpty() ? dim.getDimParam() : null;
            }
        }
        return new Shape(d, s);
    }

    public OnnxModel model() { return model; }

    /** Nodes in topological order. */
    public List<Node> nodes() { return nodes; }

    public Node node(String name) { return byName.get(name); }

    public Optional<Node> producer(String tensor) { return Optional.ofNullable(producers.get(tensor)); }

    public List<Node> consumers(String tensor) { return consumers.getOrDefault(tensor, List.of()); }

    /** The graph as a JGraphT DAG (parallel edges for {@code Add(x, x)}), built on first call. */
    public Graph<Node, TensorEdge> dag() {
        Graph<Node, TensorEdge> g = dag;
        if (g == null) {
            synchronized (this) {
                g = dag;
                if (g == null) dag = g = buildDag();
            }
        }
        return g;
    }

    /** Graph inputs a user feeds (initializer-backed inputs excluded). */
    public List<String> inputs() { return inputs; }

    public List<String> outputs() { return outputs; }

    public boolean isGraphOutput(String tensor) { return outputs.contains(tensor); }

    public boolean isConstant(String tensor) { return constants.containsKey(tensor); }

    /** Constant tensors by name (initializers, Constant-node values, folded computations). */
    public Map<String, TensorProto> constants() { return constants; }

    public TensorProto constant(String tensor) { return constants.get(tensor); }

    /** Decodes a constant (external data resolved). */
    public TensorData constantValue(String tensor) throws ModelLoadException {
        TensorProto t = constants.get(tensor);
        if (t == null) throw new IllegalArgumentException("'" + tensor + "' is not a constant");
        return model.tensor(t);
    }

    /** True when the constant is a real initializer of the stored graph (not a folded or Constant-node value). */
    public boolean isStoredInitializer(String tensor) {
        ConstantOrigin o = origins.get(tensor);
        return o != null && o.kind() == ConstantOrigin.Kind.INITIALIZER;
    }

    /** Where a constant comes from (stored initializer, Constant node, folded computation), or null. */
    public ConstantOrigin constantOrigin(String tensor) { return origins.get(tensor); }

    /** Origins of every constant. */
    public Map<String, ConstantOrigin> constantOrigins() { return origins; }

    /**
     * Tensors of the file that the view bypasses (outputs of removed Identity/Dropout nodes), mapped to the
     * tensor the view reads instead.
     */
    public Map<String, String> aliases() { return aliases; }

    /** The tensor the view uses for a tensor name of the file (itself unless bypassed). */
    public String resolve(String tensor) { return aliases.getOrDefault(tensor, tensor); }

    /**
     * Known or partially known value of a small integer tensor (a shape computation), or null. A partial
     * value names its symbolic elements (e.g. a Reshape target {@code [batch, seq, 12, 64]}).
     */
    public TensorValue value(String tensor) { return values.get(tensor); }

    private volatile Map<Integer, Node> byProtoIndex;

    /**
     * The view node standing for original node {@code index} (itself, or the logical node of a recognized
     * pattern), or null when standardization removed it (Constant, bypassed Identity/Dropout, folded).
     */
    public Node viewNode(int index) {
        Map<Integer, Node> m = byProtoIndex;
        if (m == null) {
            m = new HashMap<>();
            for (Node n : nodes) for (int i : n.protoIndices()) m.put(i, n);
            byProtoIndex = m;
        }
        return m.get(index);
    }

    /** Version of the default ONNX domain this model imports (0 when absent). */
    public long opset() { return opset(""); }

    /** Version of an operator set domain ("" or "ai.onnx" for the default one), 0 when not imported. */
    public long opset(String domain) {
        if (model == null) return 0;
        boolean dflt = domain.isEmpty() || domain.equals("ai.onnx");
        for (var o : model.proto().getOpsetImportList()) {
            String d = o.getDomain();
            if (dflt ? d.isEmpty() || d.equals("ai.onnx") : d.equals(domain)) return o.getVersion();
        }
        return 0;
    }

    public Shape shape(String tensor) { return shapes.getOrDefault(tensor, Shape.UNKNOWN_RANK); }

    public Map<String, Shape> shapes() { return shapes; }

    /** Element type (TensorProto.DataType number), 0 when unknown. */
    public int elemType(String tensor) { return elemTypes.getOrDefault(tensor, 0); }

    public Map<String, Integer> elemTypes() { return elemTypes; }
}
