package dev.lopper.graph.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.lopper.task.Progress;

class LayeredLayoutTest {

    static LayoutGraph graph(int n, int[][] edges) {
        int[] s = new int[edges.length];
        int[] t = new int[edges.length];
        for (int i = 0; i < edges.length; i++) {
            s[i] = edges[i][0];
            t[i] = edges[i][1];
        }
        double[] w = new double[n];
        double[] h = new double[n];
        Arrays.fill(w, 80);
        Arrays.fill(h, 30);
        return new LayoutGraph(n, s, t, w, h);
    }

    static void assertNoOverlap(LayoutGraph g, LayoutResult r) {
        for (int a = 0; a < g.nodeCount(); a++) {
            for (int b = a + 1; b < g.nodeCount(); b++) {
                if (r.layer()[a] != r.layer()[b]) continue;
                double dx = Math.abs(r.x()[a] - r.x()[b]);
                assertTrue(dx >= (g.width()[a] + g.width()[b]) / 2 - 1e-6, "nodes " + a + " and " + b + " overlap");
            }
        }
    }

    @Test
    void chainIsOneColumnTopToBottom() {
        LayoutGraph g = graph(4, new int[][] {{0, 1}, {1, 2}, {2, 3}});
        LayoutResult r = new LayeredLayout().layout(g, Progress.NONE);
        assertEquals(4, r.layerCount());
        for (int v = 0; v < 4; v++) {
            assertEquals(v, r.layer()[v]);
            assertEquals(r.x()[0], r.x()[v], 1e-6);
        }
        assertTrue(r.y()[0] < r.y()[1] && r.y()[1] < r.y()[2]);
        assertEquals(0, r.crossings());
    }

    @Test
    void residualBlockGetsBendsAndNoOverlap() {
        // 0 -> 1 -> 2 -> 3(add) ; 0 -> 3 (skip)
        LayoutGraph g = graph(4, new int[][] {{0, 1}, {1, 2}, {2, 3}, {0, 3}});
        LayoutResult r = new LayeredLayout().layout(g, Progress.NONE);
        assertEquals(3, r.layer()[3]);
        // the skip edge passes two bends (dummy nodes): 4 points
        assertEquals(8, r.edgePoints()[3].length);
        assertNoOverlap(g, r);
        // start at the bottom of node 0, end at the top of node 3
        assertEquals(r.y()[0] + 15, r.edgePoints()[3][1], 1e-6);
        assertEquals(r.y()[3] - 15, r.edgePoints()[3][7], 1e-6);
    }

    @Test
    void sourceIsPulledDownNextToItsConsumer() {
        // 0->1->2->3->4 and 5 (a constant) -> 4
        LayoutGraph g = graph(6, new int[][] {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {5, 4}});
        LayoutResult r = new LayeredLayout().layout(g, Progress.NONE);
        assertEquals(3, r.layer()[5]);
    }

    @Test
    void crossingsAreRemovedWhenPossible() {
        // K: top 0,1 ; bottom 2,3 with edges 0->3, 1->2 only: a crossing-free order exists
        LayoutGraph g = graph(6, new int[][] {{4, 0}, {4, 1}, {0, 3}, {1, 2}, {0, 5}, {1, 5}});
        LayoutResult r = new LayeredLayout().layout(g, Progress.NONE);
        assertEquals(0, r.crossings());
        assertNoOverlap(g, r);
    }

    @Test
    void cyclesAndSelfLoopsDoNotBreakIt() {
        LayoutGraph g = graph(3, new int[][] {{0, 1}, {1, 2}, {2, 0}, {1, 1}});
        LayoutResult r = new LayeredLayout().layout(g, Progress.NONE);
        assertEquals(3, r.layerCount());
        assertNotNull(r.edgePoints()[2]);
        assertEquals(null, r.edgePoints()[3]);
    }

    @Test
    void countsCrossingsExactly() {
        // two layers: upper a,b ; lower c,d ; edges a->d, b->c cross once
        int[][] layers = {{0, 1}, {2, 3}};
        int[] pos = {0, 1, 0, 1};
        int[] downStart = {0, 1, 2, 2, 2};
        int[] down = {3, 2};
        assertEquals(1, LayeredLayout.countCrossings(layers, pos, downStart, down));
    }

    /** A stack of residual blocks with branches, like a small encoder. */
    static LayoutGraph residualStack(int blocks) {
        List<int[]> edges = new ArrayList<>();
        int n = 1;
        int prev = 0;
        for (int b = 0; b < blocks; b++) {
            int a = n++;
            int c = n++;
            int d = n++;
            int add = n++;
            edges.add(new int[] {prev, a});
            edges.add(new int[] {a, c});
            edges.add(new int[] {prev, d});
            edges.add(new int[] {c, add});
            edges.add(new int[] {d, add});
            edges.add(new int[] {prev, add});
            prev = add;
        }
        return graph(n, edges.toArray(int[][]::new));
    }

    @Test
    void residualStackLaysOutWithoutOverlap() {
        LayoutGraph g = residualStack(30);
        LayoutResult r = new LayeredLayout().layout(g, Progress.NONE);
        assertNoOverlap(g, r);
        assertTrue(r.width() > 0 && r.height() > 0);
        for (double[] p : r.edgePoints()) {
            for (int i = 3; i < p.length; i += 2) assertTrue(p[i] > p[i - 2], "edges go downwards");
        }
    }
}
