package dev.lopper.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/**
 * The bodies of If / Loop / Scan nodes as graphs of their own, so that {@link Metrics} counts what they hold by the
 * same definition as the main graph. A body sees the outer graph's shapes and constants for the names it reads from
 * the outer scope; its inputs get the shapes the node feeds them (If: none; Loop: iteration number, condition and
 * the loop-carried values; Scan: the state values and one slice of each scanned input), falling back on the shapes
 * the body declares. Its {@code Constant} nodes become constants, then shapes are inferred node by node.
 * The app's graph view opens these same graphs (a body can hold bodies of its own: pass the body as {@code outer}).
 */
public final class SubgraphCost {
    private SubgraphCost() {}

    /** One body of a node: the attribute holding it and its graph (shapes inferred). */
    public record Body(String attribute, ModelGraph graph) { }

    private static final Map<ModelGraph, Map<String, List<Body>>> CACHE = Collections.synchronizedMap(new WeakHashMap<>());

    /** The bodies of {@code n} (empty for a node without graph attributes), built once per outer graph. */
    public static List<Body> bodies(ModelGraph outer, Node n) {
        if (!n.hasSubgraphs()) return List.of();
        Map<String, List<Body>> byNode = CACHE.computeIfAbsent(outer, k -> Collections.synchronizedMap(new HashMap<>()));
        return byNode.computeIfAbsent(n.name(), k -> build(outer, n));
    }

    private static List<Body> build(ModelGraph outer, Node n) {
        List<Body> out = new ArrayList<>();
        for (Map.Entry<String, AttributeProto> e : n.attributes().entrySet()) {
            AttributeProto a = e.getValue();
            if (a.hasG()) out.add(new Body(e.getKey(), graph(outer, n, a.getG())));
            for (int i = 0; i < a.getGraphsCount(); i++) out.add(new Body(e.getKey() + "[" + i + "]", graph(outer, n, a.getGraphs(i))));
        }
        out.sort(java.util.Comparator.comparing(Body::attribute)); // else_branch before then_branch: a stable order
        return out;
    }

    /** A constant some body of the graph (at any depth) holds of its own, or null. */
    public static TensorProto bodyConstant(ModelGraph outer, String name) {
        for (Node n : outer.nodes()) {
            for (Body b : bodies(outer, n)) {
                TensorProto t = b.graph().constant(name);
                if (t != null) return t;
                TensorProto deeper = bodyConstant(b.graph(), name);
                if (deeper != null) return deeper;
            }
        }
        return null;
    }

    /** Shapes the node gives its body's inputs, by position (null: not known). */
    private static List<Shape> inputShapes(ModelGraph outer, Node n, GraphProto body) {
        List<Shape> s = new ArrayList<>();
        int count = body.getInputCount();
        if (n.opType().equals("Loop")) {
            s.add(Shape.of());
            s.add(Shape.of());
            for (int i = 2; i < count; i++) s.add(i < n.inputs().size() && !n.input(i).isEmpty() ? outer.shape(n.input(i)) : null);
        } else if (n.opType().equals("Scan")) {
            int scans = (int) n.attrInt("num_scan_inputs", 0);
            int states = n.inputs().size() - scans;
            long[] axes = n.attrInts("scan_input_axes");
            for (int i = 0; i < count && i < n.inputs().size(); i++) {
                Shape x = outer.shape(n.input(i));
                if (i < states || !x.hasRank()) { s.add(x); continue; }
                int axis = axes != null && i - states < axes.length ? (int) axes[i - states] : 0;
                if (axis < 0) axis += x.rank();
                if (axis < 0 || axis >= x.rank()) { s.add(null); continue; }
                long[] d = new long[x.rank() - 1];
                for (int k = 0, j = 0; k < x.rank(); k++) if (k != axis) d[j++] = x.dims()[k];
                s.add(Shape.of(d));
            }
        }
        return s;
    }

    private static ModelGraph graph(ModelGraph outer, Node n, GraphProto body) {
        Map<String, TensorProto> constants = new LinkedHashMap<>();
        Map<String, ConstantOrigin> origins = new HashMap<>();
        Map<String, Shape> shapes = new HashMap<>();
        Map<String, Integer> types = new HashMap<>();
        Map<String, Shape> declared = new HashMap<>();
        Map<String, Integer> declaredTypes = new HashMap<>();
        // the outer scope first: what the body reads by name
        for (String ref : Node.outerScopeReferences(body)) {
            String r = outer.resolve(ref);
            if (outer.shape(r).hasRank()) shapes.put(ref, outer.shape(r));
            if (outer.elemType(r) != 0) types.put(ref, outer.elemType(r));
            TensorProto c = outer.constant(r);
            if (c != null) {
                constants.put(ref, c);
                ConstantOrigin o = outer.constantOrigin(r);
                if (o != null) origins.put(ref, o);
            }
        }
        for (TensorProto t : body.getInitializerList()) {
            constants.put(t.getName(), t);
            origins.put(t.getName(), ConstantOrigin.initializer(t.getName()));
            shapes.put(t.getName(), Shape.of(t.getDimsList()));
            types.put(t.getName(), t.getDataType());
        }
        List<Shape> fed = inputShapes(outer, n, body);
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < body.getInputCount(); i++) {
            ValueInfoProto v = body.getInput(i);
            inputs.add(v.getName());
            Map<String, Shape> d = new HashMap<>();
            ModelGraph.recordValueInfo(v, d, types);
            Shape f = i < fed.size() ? fed.get(i) : null;
            Shape s = f != null && f.hasRank() ? Dims.merge(f, d.get(v.getName())) : d.get(v.getName());
            if (s != null) shapes.put(v.getName(), s);
        }
        for (ValueInfoProto v : body.getValueInfoList()) ModelGraph.recordValueInfo(v, declared, declaredTypes);
        List<String> outputs = new ArrayList<>();
        for (ValueInfoProto v : body.getOutputList()) {
            ModelGraph.recordValueInfo(v, declared, declaredTypes);
            outputs.add(v.getName());
        }
        List<Node> nodes = new ArrayList<>();
        for (Node b : ModelGraph.sortedNodes(body)) {
            if (b.isDefaultDomain() && b.opType().equals("Constant") && !b.output(0).isEmpty()) {
                TensorProto t = ConstantEvaluator.constantTensor(b, b.output(0));
                if (t != null) {
                    constants.put(b.output(0), t);
                    origins.put(b.output(0), ConstantOrigin.constantNode(b.protoIndices().isEmpty() ? 0 : b.protoIndices().get(0)));
                    shapes.put(b.output(0), Shape.of(t.getDimsList()));
                    types.put(b.output(0), t.getDataType());
                    continue;
                }
            }
            nodes.add(b);
        }
        int opset = outer.model() == null ? 13 : Standardizer.defaultOpset(outer.model());
        ShapeInference si = new ShapeInference(opset, shapes, types, declared,
                name -> {
                    TensorProto t = constants.get(name);
                    return t == null ? null : ConstantEvaluator.decode(outer.model(), t);
                },
                constants::containsKey);
        for (Node b : nodes) {
            si.infer(b);
            for (String o : b.outputs()) {
                if (!o.isEmpty() && !types.containsKey(o) && declaredTypes.containsKey(o)) types.put(o, declaredTypes.get(o));
            }
        }
        return new ModelGraph(outer.model(), nodes, constants, shapes, types, inputs, outputs, origins, Map.of(), Map.of());
    }
}
