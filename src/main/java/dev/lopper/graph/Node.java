package dev.lopper.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;

/**
 * One node of the standardized graph. Usually one original {@link NodeProto}; a recognized pattern
 * (e.g. a decomposed LayerNorm) is one logical node whose {@link #protoIndices()} lists every original node.
 * Identity nesting equality: nodes are compared by identity.
 */
public final class Node {
    private final String name;
    private final String opType;
    private final String domain;
    private final List<String> inputs;
    private final List<String> outputs;
    private final Map<String, AttributeProto> attributes;
    private final List<Integer> protoIndices;
    private final NodeProto proto;
    private final List<String> implicitInputs;

    public Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                Map<String, AttributeProto> attributes, List<Integer> protoIndices, NodeProto proto) {
        this.name = name;
        this.opType = opType;
        this.domain = domain == null ? "" : domain;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        this.protoIndices = List.copyOf(protoIndices);
        this.proto = proto;
        this.implicitInputs = proto == null ? List.of() : outerScopeReferences(proto);
    }

    private Node(Node n, List<String> inputs, List<String> implicitInputs) {
        this.name = n.name;
        this.opType = n.opType;
        this.domain = n.domain;
        this.inputs = List.copyOf(inputs);
        this.outputs = n.outputs;
        this.attributes = n.attributes;
        this.protoIndices = n.protoIndices;
        this.proto = n.proto;
        this.implicitInputs = List.copyOf(implicitInputs);
    }

    /** A node taken as it is from the original graph. */
    public static Node of(NodeProto p, int index, String uniqueName) {
        Map<String, AttributeProto> attrs = new LinkedHashMap<>();
        for (AttributeProto a : p.getAttributeList()) attrs.put(a.getName(), a);
        return new Node(uniqueName, p.getOpType(), p.getDomain(), p.getInputList(), p.getOutputList(), attrs,
                List.of(index), p);
    }

    /** Same node with other inputs (used when standardization bypasses a producer). */
    public Node withInputs(List<String> newInputs) {
        return new Node(this, newInputs, implicitInputs);
    }

    /** Same node with other implicit (outer-scope) inputs. */
    public Node withImplicitInputs(List<String> newImplicit) {
        return new Node(this, inputs, newImplicit);
    }

    /**
     * Tensors of the enclosing graph that this node's subgraphs (If/Loop/Scan bodies) read by name without
     * listing them as inputs. Empty for nodes without subgraphs. {@link ModelGraph#consumers} includes the
     * node for these tensors, so whatever touches them sees the subgraph.
     */
    public List<String> implicitInputs() { return implicitInputs; }

    /** Names the node's subgraphs read from outer scopes (recursively), in first-use order. */
    static List<String> outerScopeReferences(NodeProto p) {
        java.util.LinkedHashSet<String> refs = new java.util.LinkedHashSet<>();
        for (AttributeProto a : p.getAttributeList()) {
            if (a.hasG()) collectOuter(a.getG(), refs);
            for (var g : a.getGraphsList()) collectOuter(g, refs);
        }
        return refs.isEmpty() ? List.of() : new ArrayList<>(refs);
    }

    /** Names one graph (a body) reads from outer scopes, recursively, in first-use order. */
    static List<String> outerScopeReferences(dev.lopper.onnx.proto.Onnx.GraphProto g) {
        java.util.LinkedHashSet<String> refs = new java.util.LinkedHashSet<>();
        collectOuter(g, refs);
        return new ArrayList<>(refs);
    }

    private static void collectOuter(dev.lopper.onnx.proto.Onnx.GraphProto g, java.util.Set<String> refs) {
        java.util.Set<String> local = new java.util.HashSet<>();
        for (var v : g.getInputList()) local.add(v.getName());
        for (var t : g.getInitializerList()) local.add(t.getName());
        for (var t : g.getSparseInitializerList()) local.add(t.getValues().getName());
        for (NodeProto n : g.getNodeList()) for (String o : n.getOutputList()) local.add(o);
        for (NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) if (!in.isEmpty() && !local.contains(in)) refs.add(in);
            java.util.Set<String> inner = new java.util.LinkedHashSet<>(outerScopeReferences(n));
            for (String in : inner) if (!local.contains(in)) refs.add(in);
        }
        for (var v : g.getOutputList()) if (!local.contains(v.getName())) refs.add(v.getName());
    }

    public String name() { return name; }

    public String opType() { return opType; }

    /** Domain; "" (or "ai.onnx") is the default ONNX domain. */
    public String domain() { return domain; }

    public boolean isDefaultDomain() { return domain.isEmpty() || domain.equals("ai.onnx"); }

    /** Input tensor names; "" marks an omitted optional input. */
    public List<String> inputs() { return inputs; }

    public String input(int i) { return i < inputs.size() ? inputs.get(i) : ""; }

    public List<String> outputs() { return outputs; }

    public String output(int i) { return i < outputs.size() ? outputs.get(i) : ""; }

    public Map<String, AttributeProto> attributes() { return attributes; }

    /** Indices of the original NodeProtos this node stands for (empty for synthesized nodes). */
    public List<Integer> protoIndices() { return protoIndices; }

    /** The original NodeProto for a one-to-one node, else null. */
    public NodeProto proto() { return proto; }

    public boolean hasAttribute(String n) { return attributes.containsKey(n); }

    public long attrInt(String n, long def) {
        AttributeProto a = attributes.get(n);
        return a == null ? def : a.getI();
    }

    public float attrFloat(String n, float def) {
        AttributeProto a = attributes.get(n);
        return a == null ? def : a.getF();
    }

    public String attrString(String n, String def) {
        AttributeProto a = attributes.get(n);
        return a == null ? def : a.getS().toStringUtf8();
    }

    /** Ints attribute, or null when absent. */
    public long[] attrInts(String n) {
        AttributeProto a = attributes.get(n);
        if (a == null) return null;
        return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** True when the node carries a graph attribute (If/Loop/Scan bodies). */
    public boolean hasSubgraphs() {
        for (AttributeProto a : attributes.values()) {
            if (a.hasG() || a.getGraphsCount() > 0) return true;
        }
        return false;
    }

    public List<String> nonEmptyInputs() {
        List<String> r = new ArrayList<>();
        for (String s : inputs) if (!s.isEmpty()) r.add(s);
        return r;
    }

    @Override
    public String toString() {
        return opType + "(" + name + ")";
    }
}
