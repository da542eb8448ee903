package dev.lopper.runtime;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;

/**
 * Per-node profile of a model.
 *
 * @param nodes          kernel time per node, slowest first; names are the graph's node names
 *                       ({@code ModelGraph.raw}: the node's own name, or {@code OpType_index} when it has none)
 * @param runs           profiled runs (warm-up excluded)
 * @param meanRunMicros  mean wall time of a whole run as ONNX Runtime recorded it
 */
public record NodeProfile(List<NodeTime> nodes, int runs, double meanRunMicros) {
    /** Sum of the nodes' kernel times (less than a run: the rest is scheduling and copies). */
    public double kernelMicros() { return nodes.stream().mapToDouble(NodeTime::micros).sum(); }

    /**
     * Times per node of a (possibly standardized) graph of the same model: a logical node (e.g. a fused
     * LayerNorm) gets the sum over the original nodes it stands for. Nodes ONNX Runtime removed or fused into a
     * neighbour (constant folding, BatchNormalization into Conv) have no entry.
     */
    public Map<String, NodeTime> byGraphNode(ModelGraph graph) {
        Map<String, Double> byOriginal = new HashMap<>();
        for (NodeTime t : nodes) byOriginal.put(t.node(), t.micros());
        List<String> originalNames = NodeProfiler.graphNodeNames(graph.model().proto().getGraph());
        Map<String, NodeTime> out = new LinkedHashMap<>();
        for (Node n : graph.nodes()) {
            double sum = 0;
            boolean any = false;
            for (int i : n.protoIndices()) {
                if (i < 0 || i >= originalNames.size()) continue;
                Double us = byOriginal.get(originalNames.get(i));
                if (us != null) {
                    sum += us;
                    any = true;
                }
            }
            if (any) out.put(n.name(), new NodeTime(n.name(), n.opType(), sum));
        }
        return out;
    }
}
