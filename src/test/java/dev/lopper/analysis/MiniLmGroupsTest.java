package dev.lopper.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.ModelGraph;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.prune.PlanApplier;
import dev.lopper.task.Progress;
import dev.lopper.testutil.Oracle;

/** all-MiniLM-L6-v2 (a real pretrained export nobody here made): heads, MLP and the residual stream. */
class MiniLmGroupsTest {
    static OnnxModel model;
    static ModelGraph graph;

    @BeforeAll
    static void load() throws Exception {
        Path p = Files.createTempFile("minilm", ".onnx");
        p.toFile().deleteOnExit();
        try (InputStream in = MiniLmGroupsTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
        }
        model = OnnxModel.read(p);
        graph = GraphLoader.load(model, Map.of());
    }

    @Test
    void headsHeadDimsAndMlpArePrunableInEveryLayer() {
        GroupAnalysis a = GroupAnalyzer.analyze(graph, Progress.NONE);
        for (int layer = 0; layer < 6; layer++) {
            String p = "/encoder/layer." + layer + "/";
            List<CoupledGroup> heads = a.groups().stream().filter(g -> g.id().startsWith("g:" + p) && g.channels() == 12).toList();
            assertEquals(1, heads.size(), "one head group in layer " + layer);
            assertTrue(heads.get(0).isPrunable());
            // the head group spans Q, K and V weights and the output projection's input
            assertEquals(7, heads.get(0).slices().size(), heads.get(0).slices().toString());
            List<CoupledGroup> dims = a.groups().stream().filter(g -> g.id().startsWith("g:" + p) && g.channels() == 32).toList();
            assertEquals(2, dims.size(), "query/key and value head dims in layer " + layer);
            assertTrue(dims.stream().allMatch(CoupledGroup::isPrunable));
            CoupledGroup mlp = a.group("g:" + p + "intermediate/dense/MatMul/out");
            assertEquals(1536, mlp.channels());
            assertTrue(mlp.isPrunable());
        }
        CoupledGroup stream = a.group("g:/embeddings/word_embeddings/Gather/out");
        assertEquals(384, stream.channels());
        assertEquals(List.of("graph output 'last_hidden_state'"), stream.lockReasons());
        assertEquals(25, a.summary().groups());
        assertEquals(24, a.summary().prunable());
        // every MAC but the elementwise ops on the locked residual stream (LayerNorms, residual Adds: 0.14%)
        assertEquals(0.998595, a.summary().prunableMacFraction(), 1e-6);

        GroupAnalysis unlocked = GroupAnalyzer.analyze(graph, new AnalysisOptions(false, true), Progress.NONE);
        assertTrue(unlocked.group("g:/embeddings/word_embeddings/Gather/out").isPrunable(), "residual stream prunable once outputs are free");
        assertTrue(unlocked.summary().prunableParamFraction() > 0.9999, "all but scalar constants");
    }

    @Test
    void removingOneHeadOneHeadDimOneMlpChannelAndOneHiddenChannelRuns() throws Exception {
        GroupAnalysis a = GroupAnalyzer.analyze(graph, new AnalysisOptions(false, true), Progress.NONE);
        Map<String, Oracle.Output> base = Oracle.run(model.proto().toByteArray(), 5, 9);
        int exact = 0;
        for (CoupledGroup g : a.groups()) {
            if (!g.id().startsWith("g:/encoder/layer.2/") && !g.id().startsWith("g:/embeddings/")) continue;
            int c = g.channels() / 3;
            ModelProto pruned = PlanApplier.apply(model, a, Map.of(g.id(), PlanApplier.keepAllBut(g.channels(), c)));
            Map<String, Oracle.Output> out = Oracle.run(pruned.toByteArray(), 5, 9);
            if (g.mixingNodes().isEmpty()) {
                double diff = Oracle.maxDiff(Oracle.run(Oracle.zeroChannels(model, g, c).toByteArray(), 5, 9), out);
                assertTrue(diff < 1e-4, g.id() + " differs by " + diff);
                exact++;
            } else {
                // the hidden size shrinks by one: every output keeps its rank, the hidden axis loses one
                long[] before = base.get("last_hidden_state").shape(), after = out.get("last_hidden_state").shape();
                assertEquals(before[2] - 1, after[2]);
            }
        }
        assertEquals(4, exact, "heads, two head dims and the MLP of layer 2");
    }
}
