package dev.lopper.eval;

import java.util.List;

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
}
