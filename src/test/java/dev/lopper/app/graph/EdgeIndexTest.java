package dev.lopper.app.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.lopper.app.TestModels;
import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Standardizer;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.task.Progress;

/** The band index the canvas culls edges with finds exactly the edges a check of every edge finds. */
class EdgeIndexTest {
    @Test
    void visibleEdgesAreExactlyTheEdgesOverlappingTheView() throws Exception {
        ModelGraph g = GraphLoader.load(OnnxModel.of(java.nio.file.Path.of("encoder.onnx"), TestModels.syntheticEncoder(1500)),
                Map.of(), Standardizer.Mode.STANDARDIZED, Progress.NONE);
        GraphScene s = GraphScene.build(g, Progress.NONE);
        assertTrue(s.edges().size() > 1000 && s.height() > 50 * GraphScene.BAND, s.edges().size() + " edges, height " + s.height());
        Random r = new Random(11);
        int[] buf = new int[4];
        int[] count = new int[1];
        int nonEmpty = 0;
        for (int q = 0; q < 400; q++) {
            double w = q % 4 == 0 ? s.width() * 2 : 50 + r.nextDouble() * 3000;
            double h = q % 5 == 0 ? s.height() * 2 : 50 + r.nextDouble() * 3000;
            double x = -w / 2 + r.nextDouble() * s.width();
            double y = -h / 2 + r.nextDouble() * s.height();
            buf = s.visibleEdges(x, y, x + w, y + h, buf, count);
            TreeSet<Integer> got = new TreeSet<>();
            for (int i = 0; i < count[0]; i++) assertTrue(got.add(buf[i]), "edge " + buf[i] + " reported twice");
            TreeSet<Integer> all = new TreeSet<>();
            for (int i = 0; i < s.edges().size(); i++) {
                if (s.layout().edgePoints()[i] != null && s.edgeIntersects(i, x, y, x + w, y + h)) all.add(i);
            }
            assertEquals(all, got, "view " + x + "," + y + " " + w + "×" + h);
            if (!all.isEmpty()) nonEmpty++;
        }
        assertTrue(nonEmpty > 200, "views with edges: " + nonEmpty);
    }
}
