package dev.lopper.analysis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.ModelGraph;
import dev.lopper.task.Progress;
import dev.lopper.testutil.ModelBuilder;
import dev.lopper.testutil.TestModels;

/**
 * Group analysis speed (after loading): a BERT-size encoder (~1,200 nodes, hidden 768) under 300 ms, a
 * synthetic 20,000-node graph under 2 s, and cost growing linearly. Run with
 * {@code mvn -B -o test -Dgroups=bench -Dtest=GroupsBench}.
 */
@Tag("bench")
class GroupsBench {
    /** Best of several runs after warm-up, in milliseconds. */
    static double time(ModelGraph g) {
        for (int i = 0; i < 3; i++) GroupAnalyzer.analyze(g, Progress.NONE);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            GroupAnalyzer.analyze(g, Progress.NONE);
            best = Math.min(best, (System.nanoTime() - t0) / 1e6);
        }
        return best;
    }

    @Test
    void bertSizeEncoderUnder300ms() {
        ModelBuilder b = ModelBuilder.create("bert-size").lightWeights();
        ModelGraph g = GraphLoader.load(TestModels.encoder(b, 24, 768, 12, 3072).model(), Map.of());
        double ms = time(g);
        GroupAnalysis a = GroupAnalyzer.analyze(g, Progress.NONE);
        System.out.printf(Locale.ROOT, "bench groups: BERT-size encoder, %d nodes, %d groups (%d prunable): %.1f ms%n",
                g.nodes().size(), a.summary().groups(), a.summary().prunable(), ms);
        assertTrue(g.nodes().size() >= 1100, "nodes: " + g.nodes().size());
        assertTrue(a.summary().prunable() >= 24 * 4, "heads, head dims and MLP of every layer");
        assertTrue(ms < 300, ms + " ms");
    }

    @Test
    void twentyThousandNodesUnder2sAndLinear() {
        double[] ms = new double[3];
        int[] nodes = new int[3];
        int[] blocks = {715, 1430, 2860};
        for (int i = 0; i < 3; i++) {
            ModelGraph g = GraphLoader.load(TestModels.residualCnn(ModelBuilder.create("cnn" + i).lightWeights(), blocks[i], 16).model(), Map.of());
            nodes[i] = g.nodes().size();
            ms[i] = time(g);
            System.out.printf(Locale.ROOT, "bench groups: residual CNN, %d nodes: %.1f ms (%.2f us/node)%n", nodes[i], ms[i], 1000 * ms[i] / nodes[i]);
        }
        assertTrue(nodes[2] >= 20000, "nodes: " + nodes[2]);
        assertTrue(ms[2] < 2000, ms[2] + " ms");
        double perNodeSmall = ms[0] / nodes[0], perNodeLarge = ms[2] / nodes[2];
        assertTrue(perNodeLarge < 2.5 * perNodeSmall, "cost per node grew from " + perNodeSmall + " to " + perNodeLarge + " ms");
    }
}
