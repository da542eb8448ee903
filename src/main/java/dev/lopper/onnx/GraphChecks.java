package dev.lopper.onnx;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;

/** Reference and ordering checks on a graph: undefined tensors and cycles. */
public final class GraphChecks {
    private GraphChecks() {}

    public static String nodeLabel(NodeProto n, int index) {
        return n.getName().isEmpty() ? n.getOpType() + "#" + index : n.getName();
    }

    static void checkOrder(Path file, GraphProto g, Set<String> defined) throws ModelLoadException {
        Map<String, Integer> producer = new HashMap<>();
        List<NodeProto> nodes = g.getNodeList();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).getOutputList()) if (!o.isEmpty()) producer.put(o, i);
        }
        int[] pending = new int[nodes.size()];
        List<List<Integer>> users = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) users.add(new ArrayList<>());
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            for (String in : n.getInputList()) {
                if (defined.contains(in)) continue;
                Integer p = producer.get(in);
                if (p == null) {
                    throw new ModelLoadException(file, "node '" + nodeLabel(n, i) + "' reads undefined tensor '" + in + "'");
                }
                pending[i]++;
                users.get(p).add(i);
            }
        }
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < nodes.size(); i++) if (pending[i] == 0) ready.add(i);
        int done = 0;
        while (!ready.isEmpty()) {
            int i = ready.poll();
            done++;
            for (int u : users.get(i)) if (--pending[u] == 0) ready.add(u);
        }
        if (done < nodes.size()) {
            for (int i = 0; i < nodes.size(); i++) {
                if (pending[i] > 0) {
                    throw new ModelLoadException(file, "graph has a cycle through node '" + nodeLabel(nodes.get(i), i) + "'");
                }
            }
        }
        Set<String> seen = new java.util.HashSet<>();
        for (var o : g.getOutputList()) {
            if (!seen.add(o.getName())) {
                throw new ModelLoadException(file, "graph output '" + o.getName() + "' is declared twice");
            }
            if (!defined.contains(o.getName()) && !producer.containsKey(o.getName())) {
                throw new ModelLoadException(file, "graph output '" + o.getName() + "' is never produced");
            }
        }
    }
}
