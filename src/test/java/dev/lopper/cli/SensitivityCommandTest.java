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

import dev.lopper.testutil.SignalNoiseModel;

class SensitivityCommandTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void cacheInTmp() { System.setProperty("lopper.cache.dir", tmp.resolve("cache").toString()); }

    @AfterEach
    void restore() { System.clearProperty("lopper.cache.dir"); }

    @Test
    void ranksTheSignalGroupFirstAndReopensFromTheCache() throws Exception {
        Path model = SignalNoiseModel.write(tmp);
        CliRun r = CliRun.of("sensitivity", model.toString(), "--samples", "8", "--ratios", "0.25,0.5", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("fidelity", j.get("metric").asText());
        assertEquals(2, j.get("groups").size());
        JsonNode signal = null, noise = null;
        for (JsonNode g : j.get("groups")) {
            if (g.get("id").asText().equals(SignalNoiseModel.SIGNAL)) signal = g;
            if (g.get("id").asText().equals(SignalNoiseModel.NOISE)) noise = g;
        }
        assertEquals(8, signal.get("points").get(0).get("removed").asInt());
        assertTrue(signal.get("points").get(1).get("relL2").asDouble() > 0.1);
        assertTrue(noise.get("points").get(1).get("relL2").asDouble() < 0.01);
        try (var files = Files.list(tmp.resolve("cache").resolve("sensitivity"))) {
            assertEquals(1, files.count());
        }
        CliRun text = CliRun.of("sensitivity", model.toString(), "--samples", "8", "--ratios", "0.25,0.5");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("from the cache"), text.out());
        String[] lines = text.out().split("\n");
        assertTrue(lines[2].startsWith(SignalNoiseModel.SIGNAL), "most sensitive first:\n" + text.out());
        assertTrue(lines[3].startsWith(SignalNoiseModel.NOISE), text.out());
    }

    @Test
    void badInputIsOneLine() throws Exception {
        CliRun missing = CliRun.of("sensitivity", tmp.resolve("nope.onnx").toString());
        assertEquals(1, missing.code());
        String last = missing.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("lopper: cannot read ") && last.endsWith("nope.onnx: no such file"), missing.err());
        assertFalse(missing.err().contains("Exception"), missing.err());
        Path model = SignalNoiseModel.write(tmp);
        CliRun ratio = CliRun.of("sensitivity", model.toString(), "--ratios", "0.5,1.5");
        assertEquals(2, ratio.code(), ratio.err());
        assertTrue(ratio.err().contains("ratios must be in (0, 1)"), ratio.err());
        CliRun data = CliRun.of("sensitivity", model.toString(), "--data", tmp.resolve("none.csv").toString());
        assertEquals(1, data.code());
        assertTrue(data.err().contains("none.csv"), data.err());
    }

    @Test
    void pruneBySensitivityKeepsTheSignalGroupAndReportsPredictedVsMeasured() throws Exception {
        Path model = SignalNoiseModel.write(tmp);
        Path out = tmp.resolve("p.onnx");
        CliRun r = CliRun.of("prune", model.toString(), "-o", out.toString(), "--target-macs", "0.7", "--round-to", "1",
                "--allocation", "sensitivity", "--sensitivity-samples", "16", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        for (JsonNode g : j.get("groups")) {
            if (g.get("id").asText().equals(SignalNoiseModel.SIGNAL)) assertEquals(32, g.get("kept").asInt());
            if (g.get("id").asText().equals(SignalNoiseModel.NOISE)) assertTrue(g.get("kept").asInt() <= 13, g.toString());
        }
        assertTrue(j.get("after").get("macs").asDouble() / j.get("before").get("macs").asDouble() <= 0.7);
        JsonNode s = j.get("sensitivity");
        assertTrue(s.get("measuredDamage").asDouble() < 0.01, s.toString());
        assertEquals(s.get("measuredDamage").asDouble(), s.get("predictedDamage").asDouble(), 0.01);
        assertTrue(j.get("fidelity").elements().next().get("relL2").asDouble() < 0.01, "verified on seeded inputs too");

        CliRun uniform = CliRun.of("prune", model.toString(), "-o", tmp.resolve("u.onnx").toString(), "--target-macs", "0.7",
                "--round-to", "1", "--json");
        JsonNode u = new ObjectMapper().readTree(uniform.out());
        assertTrue(u.get("fidelity").elements().next().get("relL2").asDouble() > 0.1, "uniform cuts the signal");

        CliRun ratio = CliRun.of("prune", model.toString(), "-o", tmp.resolve("x.onnx").toString(), "--ratio", "0.3", "--allocation", "sensitivity");
        assertEquals(2, ratio.code());
        assertTrue(ratio.err().contains("--allocation sensitivity needs"), ratio.err());
        assertFalse(Files.exists(tmp.resolve("x.onnx")));
    }

    @Test
    void targetLatencyShowsItsMeasurementsAndNeverWritesASlowerModel() throws Exception {
        Path out = tmp.resolve("lat.onnx");
        CliRun r = CliRun.of("prune", "samples/digits_cnn.onnx", "-o", out.toString(), "--target-latency", "0.8", "--json");
        if (r.code() != 0) {
            // no plan ran faster than the original: said so, nothing written
            assertTrue(r.err().contains("no plan tried ran faster"), r.err());
            assertFalse(Files.exists(out));
            return;
        }
        JsonNode l = new ObjectMapper().readTree(r.out()).get("latency");
        assertTrue(l.get("trials").size() >= 1);
        JsonNode chosen = null;
        for (JsonNode t : l.get("trials")) {
            assertEquals(t.get("prunedMs").asDouble() / t.get("originalMs").asDouble(), t.get("fraction").asDouble(), 0.5);
            if (t.get("chosen").asBoolean()) chosen = t;
        }
        assertTrue(chosen.get("fraction").asDouble() < 1, "the written model is faster than the original");
        if (l.get("met").asBoolean()) assertTrue(chosen.get("fraction").asDouble() <= 0.8);
        assertTrue(Files.exists(out));
        CliRun bad = CliRun.of("prune", "samples/digits_cnn.onnx", "-o", out.toString(), "--target-latency", "1.5");
        assertEquals(2, bad.code());
    }
}
