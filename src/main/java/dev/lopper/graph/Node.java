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
        return new Node(name, opType, domain, newInputs, outputs, attributes, protoIndices, proto);
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
