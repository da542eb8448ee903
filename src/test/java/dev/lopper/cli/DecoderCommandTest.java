package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** `lopper groups` and `lopper prune` on the Llama-style decoder with GQA and a KV cache. */
class DecoderCommandTest {
    static final String MODEL = "src/test/resources/models/llama_tiny_op13.onnx";

    @TempDir
    Path tmp;

    @Test
    void groupsListHeadAndMlpGroupsPerLayer() throws Exception {
        CliRun r = CliRun.of("groups", MODEL, "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        List<String> prunable = new ArrayList<>();
        for (JsonNode g : j.get("groups")) if (g.get("status").asText().equals("prunable")) prunable.add(g.get("id").asText() + "=" + g.get("channels").asInt());
        for (int layer = 0; layer < 2; layer++) {
            String p = "g:/layers." + layer + "/";
            assertTrue(prunable.contains(p + "self_attn/k_proj/MatMul/out.outer=2"), "KV heads of layer " + layer + ": " + prunable);
            assertTrue(prunable.contains(p + "self_attn/q_proj/MatMul/out.outer=4"), "query heads per KV head of layer " + layer);
            assertTrue(prunable.contains(p + "self_attn/v_proj/MatMul/out.inner=8"), "V head dims of layer " + layer);
            assertTrue(prunable.contains(p + "gate_proj/MatMul/out=48"), "MLP of layer " + layer);
        }
        assertEquals(10, prunable.size(), prunable.toString());
    }

    @Test
    void pruneSaysCallersFeedSmallerCaches() throws Exception {
        Path out = tmp.resolve("p.onnx");
        CliRun r = CliRun.of("prune", MODEL, "-o", out.toString(), "--ratio", "0.5", "--round-to", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertTrue(j.get("verified").asBoolean());
        JsonNode c = j.get("resizedCaches");
        assertEquals(8, c.size(), c.toString());
        assertEquals("[batch,1,past_sequence,4]", c.get("past_key_values.0.key").asText());
        assertEquals("[batch,1,total_sequence,4]", c.get("present.1.value").asText());
        CliRun text = CliRun.of("prune", MODEL, "-o", tmp.resolve("q.onnx").toString(), "--ratio", "0.5", "--round-to", "1");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("kv cache   input past_key_values.0.key is now [batch,1,past_sequence,4] (was [batch,2,past_sequence,8]):"
                + " callers must feed caches of the new shape"), text.out());
    }

    @Test
    void pruneWithFixedInputShapesKeepsTheFileDynamic() throws Exception {
        Path out = tmp.resolve("fixed.onnx");
        List<String> args = new ArrayList<>(List.of("prune", MODEL, "-o", out.toString(), "--ratio", "0.5", "--round-to", "1",
                "--input-shape", "input_ids=1,5"));
        for (int l = 0; l < 2; l++) for (String kind : List.of("key", "value")) {
            args.add("--input-shape");
            args.add("past_key_values." + l + "." + kind + "=1,2,3,8");
        }
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        // with every size fixed the rotary table is folded to a constant computed inside the model: the RoPE pairs
        // lock (with that reason) and the key head dim stays 8; KV heads and V head dims still go
        assertTrue(r.out().contains("kv cache   input past_key_values.0.key is now [1,1,3,8] (was [1,2,3,8])"), r.out());
        assertTrue(r.out().contains("kv cache   input past_key_values.0.value is now [1,1,3,4] (was [1,2,3,8])"), r.out());
        // the written file keeps its symbolic batch and lengths: GQA's reshapes were rewritten without freezing them
        CliRun inspect = CliRun.of("inspect", out.toString());
        assertEquals(0, inspect.code(), inspect.err());
        assertTrue(inspect.out().contains("past_key_values.0.key  float [batch,1,past_sequence,8]"), inspect.out());
        assertTrue(inspect.out().contains("present.1.value  float [batch,1,total_sequence,4]"), inspect.out());
    }
}
