package dev.lopper.graph.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jgrapht.Graph;
import org.jgrapht.alg.drawing.model.Box2D;
import org.jgrapht.alg.drawing.model.MapLayoutModel2D;
import org.jgrapht.alg.drawing.model.Point2D;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.graph.DirectedPseudograph;
import org.junit.jupiter.api.Test;

import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.TensorEdge;
import dev.lopper.task.Progress;

/** The JGraphT LayoutAlgorithm2D over the layered layout: same positions as the array core, written into the model. */
class LayeredLayout2DTest {
    @Test
    void diamondIsLaidOutTopToBottomIntoTheModel() {
        Graph<String, DefaultEdge> g = new DirectedPseudograph<>(DefaultEdge.class);
        for (String v : List.of("a", "b", "c", "d")) g.addVertex(v);
        g.addEdge("a", "b");
        g.addEdge("a", "c");
        g.addEdge("b", "d");
        g.addEdge("c", "d");
        LayeredLayout2D<String, DefaultEdge> alg = new LayeredLayout2D<>(new LayeredLayout(), v -> 80, v -> 30, Progress.NONE);
        MapLayoutModel2D<String> model = new MapLayoutModel2D<>(Box2D.of(100, 200, 1000, 1000));
        alg.layout(g, model);
        Map<String, Point2D> p = model.collect();
        assertEquals(4, p.size());
        assertTrue(p.get("a").getY() < p.get("b").getY() && p.get("b").getY() == p.get("c").getY()
                && p.get("c").getY() < p.get("d").getY(), p.toString());
        assertTrue(p.get("b").getX() != p.get("c").getX(), p.toString());
        // the array core's coordinates, offset by the drawable area's corner
        LayoutResult r = new LayeredLayout().layout(new LayoutGraph(4, new int[] {0, 0, 1, 2}, new int[] {1, 2, 3, 3},
                new double[] {80, 80, 80, 80}, new double[] {30, 30, 30, 30}), Progress.NONE);
        List<String> order = new ArrayList<>(g.vertexSet());
        for (int i = 0; i < 4; i++) {
            assertEquals(100 + r.x()[i], p.get(order.get(i)).getX(), 1e-9);
            assertEquals(200 + r.y()[i], p.get(order.get(i)).getY(), 1e-9);
        }
        assertEquals(3, alg.result().layerCount());
        assertEquals(0, alg.result().crossings());
    }

    @Test
    void layoutOfAModelsJGraphTGraph() {
        ModelGraph mg = dev.lopper.graph.GraphLoader.load(dev.lopper.testutil.TestModels.cnn().model(), Map.of());
        Graph<Node, TensorEdge> dag = mg.dag();
        LayeredLayout2D<Node, TensorEdge> alg = new LayeredLayout2D<>(new LayeredLayout(), v -> 90, v -> 34, Progress.NONE);
        MapLayoutModel2D<Node> model = new MapLayoutModel2D<>(Box2D.of(0, 0, 1, 1));
        alg.layout(dag, model);
        Map<Node, Point2D> p = model.collect();
        assertEquals(dag.vertexSet().size(), p.size());
        for (TensorEdge e : dag.edgeSet()) {
            Node s = dag.getEdgeSource(e), t = dag.getEdgeTarget(e);
            if (s != t) assertTrue(p.get(s).getY() < p.get(t).getY(), s.name() + " above " + t.name());
        }
    }
}
