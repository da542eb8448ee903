package dev.lopper.graph.layout;

/**
 * The input of a layout: {@code nodeCount} boxes of the given sizes and directed edges between them
 * (parallel edges and self loops are allowed; cycles are broken by ignoring back edges).
 *
 * @param nodeCount number of nodes, indexed 0..nodeCount-1
 * @param edgeSource source node of each edge
 * @param edgeTarget target node of each edge
 * @param width  box width of each node
 * @param height box height of each node
 */
public record LayoutGraph(int nodeCount, int[] edgeSource, int[] edgeTarget, double[] width, double[] height) {
    public LayoutGraph {
        if (edgeSource.length != edgeTarget.length) throw new IllegalArgumentException("edge arrays differ in length");
        if (width.length != nodeCount || height.length != nodeCount) {
            throw new IllegalArgumentException("need one width and height per node");
        }
        for (int i = 0; i < edgeSource.length; i++) {
            if (edgeSource[i] < 0 || edgeSource[i] >= nodeCount || edgeTarget[i] < 0 || edgeTarget[i] >= nodeCount) {
                throw new IllegalArgumentException("edge " + i + " refers to a missing node");
            }
        }
    }

    public int edgeCount() { return edgeSource.length; }
}
