package dev.lopper.graph.layout;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.lopper.task.Progress;

/** Layout alone on a wide random DAG (many crossings to reduce): {@code mvn -B -o test -Dgroups=bench -Dtest=LayeredLayoutBench}. */
@Tag("bench")
class LayeredLayoutBench {
    static LayoutGraph randomDag(int n, int extraEdgesPerNode, int window, long seed) {
        Random r = new Random(seed);
        int e = (n - 1) * (1 + extraEdgesPerNode);
        int[] s = new int[e];
        int[] t = new int[e];
        int k = 0;
        for (int v = 1; v < n; v++) {
            s[k] = Math.max(0, v - 1 - r.nextInt(Math.min(v, 3)));
            t[k++] = v;
            for (int j = 0; j < extraEdgesPerNode; j++) {
                s[k] = Math.max(0, v - 1 - r.nextInt(Math.min(v, window)));
                t[k++] = v;
            }
        }
        double[] w = new double[n];
        double[] h = new double[n];
        Arrays.fill(w, 90);
        Arrays.fill(h, 42);
        return new LayoutGraph(n, s, t, w, h);
    }

    @Test
    void wideRandomDag20k() throws Exception {
        LayoutGraph g = randomDag(20_000, 1, 40, 1);
        long[] out = new long[2];
        Thread th = new Thread(null, () -> {
            new LayeredLayout().layout(randomDag(2000, 1, 40, 2), Progress.NONE); // warm-up
            long t0 = System.nanoTime();
            LayoutResult r = new LayeredLayout().layout(g, Progress.NONE);
            out[0] = (System.nanoTime() - t0) / 1_000_000;
            out[1] = r.crossings();
            System.out.printf("BENCH layout random DAG: %d nodes, %d edges, %d layers, %d crossings after reduction, %d ms%n",
                    g.nodeCount(), g.edgeCount(), r.layerCount(), r.crossings(), out[0]);
        }, "layout", 64L << 20);
        th.start();
        th.join();
        assertTrue(out[0] < 10_000, out[0] + " ms");
    }

    /** The same graph through the JGraphT LayoutAlgorithm2D the app uses: the array core plus building the JGraphT graph. */
    @Test
    void wideRandomDag20kThroughJGraphT() throws Exception {
        LayoutGraph g = randomDag(20_000, 1, 40, 1);
        long[] out = new long[2];
        Thread th = new Thread(null, () -> {
            new LayeredLayout().layout(randomDag(2000, 1, 40, 2), Progress.NONE); // warm-up
            long t0 = System.nanoTime();
            org.jgrapht.Graph<Integer, Integer> jg = new org.jgrapht.graph.DirectedPseudograph<>(null, null, false);
            for (int i = 0; i < g.nodeCount(); i++) jg.addVertex(i);
            for (int i = 0; i < g.edgeCount(); i++) jg.addEdge(g.edgeSource()[i], g.edgeTarget()[i], i);
            LayeredLayout2D<Integer, Integer> alg = new LayeredLayout2D<>(new LayeredLayout(), i -> g.width()[i], i -> g.height()[i], Progress.NONE);
            org.jgrapht.alg.drawing.model.MapLayoutModel2D<Integer> model =
                    new org.jgrapht.alg.drawing.model.MapLayoutModel2D<>(org.jgrapht.alg.drawing.model.Box2D.of(0, 0, 1, 1));
            alg.layout(jg, model);
            out[0] = (System.nanoTime() - t0) / 1_000_000;
            out[1] = alg.result().crossings();
            System.out.printf("BENCH layout random DAG via LayoutAlgorithm2D: %d nodes, %d edges, %d layers, %d crossings, %d ms%n",
                    g.nodeCount(), g.edgeCount(), alg.result().layerCount(), alg.result().crossings(), out[0]);
        }, "layout", 64L << 20);
        th.start();
        th.join();
        assertTrue(out[0] < 10_000, out[0] + " ms");
    }
}
