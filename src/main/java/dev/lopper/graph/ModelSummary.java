package dev.lopper.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.lopper.onnx.ElementType;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.OperatorSetIdProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * What {@code lopper inspect} reports about a model: the file's own facts (producer, IR version, opsets,
 * node count and op histogram of the stored graph) plus what the standardized graph gives (shapes,
 * parameters, MACs).
 */
public record ModelSummary(String file, String producer, long irVersion, Map<String, Long> opsets,
                           List<TensorInfo> inputs, List<TensorInfo> outputs, int nodes, Map<String, Integer> ops,
                           int standardizedNodes, Map<String, Integer> standardizedOps,
                           Standardizer.Summary standardization, Metrics.Report metrics, int initializers,
                           List<SubgraphInfo> subgraphs) {

    /** A graph input or output: name, element type name, shape (sizes, symbol names, "?" unknown; null rank). */
    public record TensorInfo(String name, String elemType, Shape shape) { }

    /** A node holding subgraphs (If/Loop/Scan or custom). */
    public record SubgraphInfo(String node, String opType, int graphs) { }

    public static ModelSummary of(OnnxModel model, ModelGraph g) {
        ModelProto p = model.proto();
        GraphProto gp = p.getGraph();
        Map<String, Long> opsets = new LinkedHashMap<>();
        for (OperatorSetIdProto o : p.getOpsetImportList()) {
            opsets.put(o.getDomain().isEmpty() ? "ai.onnx" : o.getDomain(), o.getVersion());
        }
        Map<String, Integer> ops = new TreeMap<>();
        List<SubgraphInfo> subs = new ArrayList<>();
        for (int i = 0; i < gp.getNodeCount(); i++) {
            NodeProto n = gp.getNode(i);
            ops.merge(opName(n.getDomain(), n.getOpType()), 1, Integer::sum);
            int graphs = 0;
            for (var a : n.getAttributeList()) graphs += (a.hasG() ? 1 : 0) + a.getGraphsCount();
            if (graphs > 0) subs.add(new SubgraphInfo(n.getName().isEmpty() ? n.getOpType() + "_" + i : n.getName(),
                    n.getOpType(), graphs));
        }
        Map<String, Integer> stdOps = new TreeMap<>();
        for (Node n : g.nodes()) stdOps.merge(opName(n.domain(), n.opType()), 1, Integer::sum);
        List<TensorInfo> ins = new ArrayList<>();
        for (String in : g.inputs()) ins.add(new TensorInfo(in, typeName(g.elemType(in)), g.shape(in)));
        List<TensorInfo> outs = new ArrayList<>();
        for (String out : g.outputs()) outs.add(new TensorInfo(out, typeName(g.elemType(out)), g.shape(out)));
        String producer = (p.getProducerName() + " " + p.getProducerVersion()).trim();
        return new ModelSummary(model.path() == null ? "" : model.path().toString(), producer, p.getIrVersion(), opsets,
                ins, outs, gp.getNodeCount(), ops, g.nodes().size(), stdOps, Standardizer.summary(g), Metrics.of(g),
                gp.getInitializerCount(), subs);
    }

    private static String opName(String domain, String op) {
        return domain.isEmpty() || domain.equals("ai.onnx") ? op : domain + ":" + op;
    }

    static String typeName(int t) { return t == 0 ? "unknown" : ElementType.name(t); }

    /**
     * The JSON form (stable key order): {@code file, producer, irVersion, opsets, inputs, outputs, nodes, ops,
     * params, paramsByType, paramBytes, initializers, initializerBytes, macs, macsUnknownDims, uncountedOps,
     * standardized {nodes, ops, constantNodes, bypassed, folded, fused}, subgraphs}.
     */
    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode o = mapper.createObjectNode();
        o.put("file", file);
        o.put("producer", producer);
        o.put("irVersion", irVersion);
        ObjectNode os = o.putObject("opsets");
        opsets.forEach(os::put);
        tensors(o.putArray("inputs"), inputs);
        tensors(o.putArray("outputs"), outputs);
        o.put("nodes", nodes);
        ObjectNode opsNode = o.putObject("ops");
        ops.forEach(opsNode::put);
        o.put("params", metrics.params());
        ObjectNode pt = o.putObject("paramsByType");
        metrics.paramsByType().forEach((k, v) -> pt.put(k, v.count()));
        o.put("paramBytes", metrics.paramBytes());
        o.put("initializers", initializers);
        o.put("initializerBytes", metrics.initializerBytes());
        o.put("macs", metrics.macs());
        o.put("macsUnknownDims", metrics.unknownDims());
        ArrayNode unc = o.putArray("uncountedOps");
        metrics.uncounted().forEach(unc::add);
        ObjectNode st = o.putObject("standardized");
        st.put("nodes", standardizedNodes);
        ObjectNode sops = st.putObject("ops");
        standardizedOps.forEach(sops::put);
        st.put("constantNodes", standardization.constantNodes());
        st.put("bypassed", standardization.bypassed());
        st.put("folded", standardization.folded());
        st.put("fused", standardization.fused());
        ArrayNode sg = o.putArray("subgraphs");
        for (SubgraphInfo s : subgraphs) {
            ObjectNode x = sg.addObject();
            x.put("node", s.node());
            x.put("opType", s.opType());
            x.put("graphs", s.graphs());
        }
        return o;
    }

    private static void tensors(ArrayNode arr, List<TensorInfo> ts) {
        for (TensorInfo t : ts) {
            ObjectNode x = arr.addObject();
            x.put("name", t.name());
            x.put("elemType", t.elemType());
            if (!t.shape().hasRank()) {
                x.putNull("shape");
                continue;
            }
            ArrayNode s = x.putArray("shape");
            for (int i = 0; i < t.shape().rank(); i++) {
                long d = t.shape().dims()[i];
                if (d >= 0) s.add(d);
                else s.add(t.shape().symbols()[i] != null ? t.shape().symbols()[i] : "?");
            }
        }
    }

    /** Bytes of all initializers stored in the file. */
    public static long initializerBytes(GraphProto g) {
        long b = 0;
        for (TensorProto t : g.getInitializerList()) b += Metrics.storedBytes(t);
        return b;
    }
}
