package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.GroupAnalyzer;
import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.KvCache;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;
import dev.lopper.task.Progress;
import dev.lopper.testutil.KvOracle;

/**
 * The Llama-style decoders of the manifest (samples/scripts/make_llm_models.py): RMSNorm, rotary embeddings, GQA with
 * 8 query heads on 2 KV heads, a KV cache, a SiLU-gated MLP; {@code llama_einsum} writes projections and attention
 * as Einsum. Per layer: KV heads (each with its 4 query heads), query heads within every KV group, V head dims, the
 * MLP; the rotary Q/K head-dim pairs (i, i + 4) are one group over both layers (one rotary table); hidden size too.
 */
class LlamaDecoderTest {
    static final Path DIR = Path.of("src/test/resources/models");

    @TempDir
    Path tmp;

    static GroupAnalysis analyze(String file) throws Exception {
        return GroupAnalyzer.analyze(GraphLoader.load(OnnxModel.read(DIR.resolve(file)), Map.of()), Progress.NONE);
    }

    static CoupledGroup group(GroupAnalysis a, String id) {
        CoupledGroup g = a.group(id);
        assertTrue(g != null, "no group " + id + " in " + a.groups().stream().map(CoupledGroup::id).toList());
        return g;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama_tiny_op13.onnx", "llama_einsum_op13.onnx"})
    void headsPerKvGroupMlpAndCachePerLayer(String file) throws Exception {
        GroupAnalysis a = analyze(file);
        assertEquals(List.of(), a.unhandledNodes(), file);
        String mm = file.startsWith("llama_einsum") ? "Einsum" : "MatMul";
        for (int layer = 0; layer < 2; layer++) {
            String p = "g:/layers." + layer + "/";
            // a KV head and the 4 query heads that read it
            CoupledGroup kv = group(a, p + "self_attn/k_proj/" + mm + "/out.outer");
            assertEquals(2, kv.channels());
            assertTrue(kv.memberNodes().contains("/layers." + layer + "/self_attn/q_proj/" + mm), "query heads go with their KV head");
            // query heads within each KV group (the same positions in every group, keeping repeat_kv uniform)
            assertEquals(4, group(a, p + "self_attn/q_proj/" + mm + "/out.outer").channels());
            assertEquals(8, group(a, p + "self_attn/v_proj/" + mm + "/out.inner").channels());
            CoupledGroup mlp = group(a, p + "gate_proj/" + mm + "/out");
            assertEquals(48, mlp.channels());
            assertTrue(mlp.memberNodes().contains("/layers." + layer + "/up_proj/" + mm), "gate and up are coupled");
            assertTrue(mlp.memberNodes().contains("/layers." + layer + "/down_proj/" + mm), "down reads the MLP");
            for (String g : List.of(kv.id(), mlp.id())) assertTrue(group(a, g).isPrunable(), g + " " + group(a, g).lockReasons());
        }
        // rotary: dims i and i + 4 of Q and K rotate together, so a pair is one channel
        CoupledGroup rope = group(a, "g:/layers.0/self_attn/q_proj/" + mm + "/out.inner");
        assertEquals(4, rope.channels());
        assertTrue(rope.memberNodes().contains("/layers.1/self_attn/k_proj/" + mm), "one rotary table for both layers");
        assertEquals(10, a.prunableGroups().size(), a.table(false));
        assertTrue(a.summary().prunableParamFraction() > 0.99, "params in prunable groups " + a.summary().prunableParamFraction());
        // the KV cache is not an interface to keep: it follows its groups
        assertEquals(4, KvCache.pairs(a.graph()).size());
        assertEquals(1, a.groups().size() - a.prunableGroups().size(), "only the logits' vocabulary is locked");
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama_tiny_op13.onnx", "llama_einsum_op13.onnx"})
    void removingOneChannelMatchesTheZeroedOriginalWithItsCache(String file) throws Exception {
        OnnxModel model = OnnxModel.read(DIR.resolve(file));
        GroupAnalysis a = GroupAnalyzer.analyze(GraphLoader.load(model, Map.of()), Progress.NONE);
        List<String> mixing = new ArrayList<>();
        int exact = 0;
        for (CoupledGroup g : a.prunableGroups()) {
            for (int c : new int[] {0, g.channels() - 1}) {
                ModelProto pruned = PlanApplier.apply(model, a, Map.of(g.id(), PlanApplier.keepAllBut(g.channels(), c)));
                boolean mixes = !g.mixingNodes().isEmpty();
                double diff = KvOracle.removedVsZeroed(model, a, g, c, pruned, mixes);
                if (mixes) { if (c == 0) mixing.add(g.id()); continue; }
                assertTrue(diff < 1e-4, file + " " + g.id() + " channel " + c + ": outputs differ by " + diff);
                exact++;
            }
        }
        assertEquals(18, exact, file);
        // only the residual stream (hidden size) feeds a normalization over its channels: RMSNorm
        assertEquals(List.of("g:/embed_tokens/Gather/out"), mixing, file);
    }

    @Test
    void prunedDecoderDeclaresSmallerCachesAndRunsWithThem() throws Exception {
        String file = "llama_tiny_op13.onnx";
        PruningSession s = PruningSession.open(DIR.resolve(file), Map.of(), Progress.NONE);
        ScoringOptions so = ScoringOptions.defaults().with(Criterion.L1);
        Planner.Result r = s.plan(s.score(so, Progress.NONE), so, PruningSettings.ratio(0.5).withRoundTo(1), Progress.NONE);
        PlanExecution.Outcome o = s.apply(r.plan(), false, PruneManifestTest.verify(), Progress.NONE);
        assertTrue(o.verified(), String.valueOf(o.verification().problem()));
        Path out = tmp.resolve("p.onnx");
        s.write(o, out, Progress.NONE);
        Map<String, Integer> kept = new java.util.HashMap<>();
        r.plan().groups().forEach((id, gp) -> kept.put(id, gp.kept().length));
        ModelProto p = OnnxModel.read(out).proto();
        for (int layer = 0; layer < 2; layer++) {
            long kv = kept.get("g:/layers." + layer + "/self_attn/k_proj/MatMul/out.outer");
            long rope = kept.get("g:/layers.0/self_attn/q_proj/MatMul/out.inner");
            long vd = kept.get("g:/layers." + layer + "/self_attn/v_proj/MatMul/out.inner");
            assertEquals(1, kv);
            assertArrayEquals(new long[] {-1, kv, -1, 2 * rope}, dims(p.getGraph().getInputList(), "past_key_values." + layer + ".key"));
            assertArrayEquals(new long[] {-1, kv, -1, vd}, dims(p.getGraph().getInputList(), "past_key_values." + layer + ".value"));
            assertArrayEquals(new long[] {-1, kv, -1, 2 * rope}, dims(p.getGraph().getOutputList(), "present." + layer + ".key"));
            assertArrayEquals(new long[] {-1, kv, -1, vd}, dims(p.getGraph().getOutputList(), "present." + layer + ".value"));
        }
        // the caller feeds caches of the new shape; ONNX Runtime runs it and returns caches of that shape
        Map<String, KvOracle.Tensor> outs = KvOracle.run(p.toByteArray(), KvOracle.feed(p, 5, 3, 100));
        assertArrayEquals(new long[] {1, 3, 100}, outs.get("logits").shape());
        assertArrayEquals(new long[] {1, 1, 6, dims(p.getGraph().getInputList(), "past_key_values.0.key")[3]},
                outs.get("present.0.key").shape());
    }

    private static long[] dims(List<ValueInfoProto> vs, String name) {
        for (ValueInfoProto v : vs) {
            if (!v.getName().equals(name)) continue;
            var sh = v.getType().getTensorType().getShape();
            long[] d = new long[sh.getDimCount()];
            for (int i = 0; i < d.length; i++) d[i] = sh.getDim(i).hasDimValue() ? sh.getDim(i).getDimValue() : -1;
            return d;
        }
        throw new AssertionError("no " + name);
    }
}
