package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lopper.prune.latency.ChannelCountRule;

/**
 * {@code --round-to auto} and the never-slower report through the CLI on the bundled sample (latencies are measured
 * in ONNX Runtime; only what does not depend on their values is asserted: the rule's windows and the cache reuse).
 */
class RoundToAutoCommandTest {
    static final Path MODEL = Path.of("samples/digits_cnn.onnx");

    @TempDir
    Path tmp;
    private String before;

    @BeforeEach
    void cacheHere() {
        before = System.getProperty("lopper.cache.dir");
        System.setProperty("lopper.cache.dir", tmp.resolve("cache").toString());
    }

    @AfterEach
    void restore() {
        if (before == null) System.clearProperty("lopper.cache.dir");
        else System.setProperty("lopper.cache.dir", before);
    }

    @Test
    void autoCountsStayInTheRuleWindowAndTheTableIsReused() throws Exception {
        Path a = tmp.resolve("a.onnx"), b = tmp.resolve("b.onnx");
        CliRun r = CliRun.of("prune", MODEL.toString(), "-o", a.toString(), "--ratio", "0.5", "--round-to", "auto", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("auto", j.path("plan").path("roundTo").asText());
        int timed = j.path("latencyTable").path("timed").asInt();
        assertTrue(timed > 0, r.out());
        Path file = Path.of(j.path("latencyTable").path("file").asText());
        assertTrue(file.startsWith(tmp.resolve("cache").resolve("latency")) && Files.isRegularFile(file), file.toString());
        int pruned = 0;
        for (JsonNode g : j.path("groups")) {
            if (!g.path("status").asText().equals("prunable")) continue;
            int c = g.path("channels").asInt(), kept = g.path("kept").asInt();
            if (kept == c) continue;
            pruned++;
            int wish = c - (int) Math.floor(c * 0.5 + 1e-9);
            assertTrue(kept >= wish - ChannelCountRule.below(wish) && kept <= wish + ChannelCountRule.window(wish),
                    g.path("id").asText() + ": kept " + kept + " for a wish of " + wish);
        }
        assertTrue(pruned > 0, r.out());
        assertFalse(j.path("speed").path("timed").asBoolean(true), r.out());   // 1.6 M MACs: below the timing threshold
        assertTrue(j.path("speed").path("note").asText().contains("1,639,392 MACs, below 20,000,000"), r.out());

        // the second run takes every count from the cache and so chooses the same
        CliRun again = CliRun.of("prune", MODEL.toString(), "-o", b.toString(), "--ratio", "0.5", "--round-to", "auto", "--json");
        assertEquals(0, again.code(), again.err());
        JsonNode k = new ObjectMapper().readTree(again.out());
        assertEquals(0, k.path("latencyTable").path("timed").asInt(), again.out());
        assertTrue(k.path("latencyTable").path("reused").asInt() >= timed);
        assertEquals(j.path("groups").toString(), k.path("groups").toString());
    }

    @Test
    void badRoundToIsAUsageError() {
        CliRun r = CliRun.of("prune", MODEL.toString(), "-o", tmp.resolve("x.onnx").toString(), "--ratio", "0.5", "--round-to", "fast");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--round-to must be auto or an integer >= 1, got 'fast'"), r.err());
        assertFalse(Files.exists(tmp.resolve("x.onnx")));
        CliRun z = CliRun.of("prune", MODEL.toString(), "-o", tmp.resolve("x.onnx").toString(), "--ratio", "0.5", "--round-to", "0");
        assertEquals(2, z.code());
    }

    @Test
    void allowSlowerSkipsTheCheckAndSaysSo() {
        CliRun r = CliRun.of("prune", MODEL.toString(), "-o", tmp.resolve("y.onnx").toString(), "--ratio", "0.3", "--allow-slower");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("speed      not timed (--allow-slower)"), r.out());
    }
}
