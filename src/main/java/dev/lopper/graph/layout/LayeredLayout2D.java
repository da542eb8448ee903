package dev.lopper.graph.layout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import org.jgrapht.Graph;
import org.jgrapht.alg.drawing.LayoutAlgorithm2D;
import org.jgrapht.alg.drawing.model.Box2D;
import org.jgrapht.alg.drawing.model.LayoutModel2D;
import org.jgrapht.alg.drawing.model.Point2D;

import dev.lopper.task.Progress;

/**
 * {@link LayeredLayout} as a JGraphT {@link LayoutAlgorithm2D}: lays out any JGraphT graph (the model's
 * {@code ModelGraph.dag()}, or the app's boxes) top to bottom and writes each vertex's box centre into the
 * {@link LayoutModel2D}, offset by the model's drawable area's corner (not scaled: sizes are the boxes' own).
 * The array-based core does the work; {@link #result()} keeps its edge polylines, layers and crossings.
 * Vertices are indexed in {@code vertexSet()} order and edges in {@code edgeSet()} order, so the
 * {@link LayoutResult}'s arrays follow those orders.
 */
public final class LayeredLayout2D<V, E> implements LayoutAlgorithm2D<V, E> {
    private final LayeredLayout core;
    private final ToDoubleFunction<V> width;
    private final ToDoubleFunction<V> height;
    private final Progress progress;
    private LayoutResult result;

    public LayeredLayout2D(LayeredLayout core, ToDoubleFunction<V> width, ToDoubleFunction<V> height, Progress progress) {
        this.core = core;
        this.width = width;
        this.height = height;
        this.progress = progress;
    }

    @Override
    public void layout(Graph<V, E> graph, LayoutModel2D<V> model) {
        List<V> vertices = new ArrayList<>(graph.vertexSet());
        Map<V, Integer> index = new HashMap<>(vertices.size() * 2);
        double[] w = new double[vertices.size()];
        double[] h = new double[vertices.size()];
        for (int i = 0; i < vertices.size(); i++) {
            V v = vertices.get(i);
            index.put(v, i);
            w[i] = width.applyAsDouble(v);
            h[i] = height.applyAsDouble(v);
        }
        int m = graph.edgeSet().size();
        int[] s = new int[m];
        int[] t = new int[m];
        int k = 0;
        for (E e : graph.edgeSet()) {
            s[k] = index.get(graph.getEdgeSource(e));
            t[k] = index.get(graph.getEdgeTarget(e));
            k++;
        }
        LayoutResult r = core.layout(new LayoutGraph(vertices.size(), s, t, w, h), progress);
        Box2D area = model.getDrawableArea();
        double ox = area == null ? 0 : area.getMinX();
        double oy = area == null ? 0 : area.getMinY();
        for (int i = 0; i < vertices.size(); i++) model.put(vertices.get(i), Point2D.of(ox + r.x()[i], oy + r.y()[i]));
        result = r;
    }

    /** The last layout's full result (edge polylines, layers, order, size, crossings), or null before the first. */
    public LayoutResult result() { return result; }
}
