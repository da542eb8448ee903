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
    private final Graph<Node, TensorEdge> dag;

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
        this.model = model;
        this.nodes = List.copyOf(nodes);
        this.constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
        this.shapes = Collections.unmodifiableMap(new HashMap<>(shapes));
        this.elemTypes = Collections.unmodifiableMap(new HashMap<>(elemTypes));
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.dag = new DirectedPseudograph<>(null, null, false);
        for (Node n : this.nodes) {
            dag.addVertex(n);
            byName.put(n.name(), n);
            for (String o : n.outputs()) if (!o.isEmpty()) producers.put(o, n);
        }
        for (Node n : this.nodes) {
            List<String> ins = n.inputs();
            for (int i = 0; i < ins.size(); i++) {
                String t = ins.get(i);
                if (t.isEmpty()) continue;
                consumers.computeIfAbsent(t, k -> new ArrayList<>()).add(n);
                Node p = producers.get(t);
                if (p != null) dag.addEdge(p, n, new TensorEdge(t, i));
            }
        }
    }

    /** The graph exactly as stored in the file (no standardization), shapes from the file's value_info. */
    public static ModelGraph raw(OnnxModel model) {
        GraphProto g = model.proto().getGraph();
        List<Node> nodes = new ArrayList<>();
        Map<String, Integer> nameCount = new HashMap<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto p = g.getNode(i);
            nodes.add(Node.of(p, i, uniqueName(p, i, nameCount)));
        }
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

    public Graph<Node, TensorEdge> dag() { return dag; }

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
        for (TensorProto t : model.proto().getGraph().getInitializerList()) if (t.getName().equals(tensor)) return true;
        return false;
    }

    public Shape shape(String tensor) { return shapes.getOrDefault(tensor, Shape.UNKNOWN_RANK); }

    public Map<String, Shape> shapes() { return shapes; }

    /** Element type (TensorProto.DataType number), 0 when unknown. */
    public int elemType(String tensor) { return elemTypes.getOrDefault(tensor, 0); }

    public Map<String, Integer> elemTypes() { return elemTypes; }
}
