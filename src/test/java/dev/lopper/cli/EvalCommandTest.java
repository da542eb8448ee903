package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;


class EvalCommandTest {
    static final Path DIGITS = Path.of("samples/digits_cnn.onnx");
    static final Path DIGITS_CSV = Path.of("samples/digits_test.csv");

    @TempDir
    Path tmp;

    static CliRun lopper(String... args) {
        return CliRun.of(args);
    }

    static JsonNode json(CliRun r) throws Exception {
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    /** The bundled sample's accuracy through `lopper eval` equals the accuracy recorded when it was trained. */
    @Test
    void digitsAccuracyMatchesTrainingRecord() throws Exception {
        JsonNode record = new ObjectMapper().readTree(Path.of("samples/digits_cnn.json").toFile());
        long samples = record.get("testSamples").asLong();
        long expectedCorrect = Math.round(record.get("testAccuracy").asDouble() * samples);
        JsonNode r = json(lopper("eval", DIGITS.toString(), "--data", DIGITS_CSV.toString(), "--batch", "64",
                "--runs", "3", "--warmup", "1", "--threads", "1", "--json"));
        JsonNode acc = r.get("accuracy");
        assertEquals(samples, acc.get("samples").asLong());
        assertEquals(expectedCorrect, acc.get("top1Correct").asLong());
        assertEquals(record.get("testAccuracy").asDouble(), acc.get("top1").asDouble(), 5e-7);
        assertEquals("logits", acc.get("output").asText());
        JsonNode lat = r.get("latency");
        for (String k : new String[] {"medianMs", "p10Ms", "p90Ms"}) assertTrue(lat.get(k).asDouble() > 0, k);
        assertEquals(3, lat.get("runs").asInt());
        assertEquals(1, lat.get("threads").asInt());
        assertTrue(r.get("fidelity") == null);
    }

    @Test
    void fidelityAgainstItselfOnDataAndProfile() throws Exception {
        JsonNode r = json(lopper("eval", DIGITS.toString(), "--reference", DIGITS.toString(), "--data", DIGITS_CSV.toString(),
                "--batch", "100", "--runs", "3", "--warmup", "1", "--threads", "1", "--profile", "--json"));
        JsonNode f = r.get("fidelity").get("logits");
        assertEquals(1.0, f.get("cosine").asDouble(), 1e-12);
        assertEquals(0.0, f.get("relL2").asDouble());
        assertEquals(0.0, f.get("maxAbs").asDouble());
        assertEquals(1.0, f.get("top1Agreement").asDouble());
        assertEquals(360, r.get("fidelitySamples").asInt());
        JsonNode nodes = r.get("profile").get("nodes");
        assertTrue(nodes.size() > 5);
        boolean conv = false;
        for (JsonNode n : nodes) conv |= n.get("node").asText().equals("/stem/stem.0/Conv") || n.get("opType").asText().equals("Conv");
        assertTrue(conv);
    }

    @Test
    void benchSelfHasSpeedupNearOne() throws Exception {
        JsonNode r = json(lopper("bench", DIGITS.toString(), DIGITS.toString(), "--runs", "20", "--warmup", "2", "--threads", "1", "--json"));
        double s = r.get("speedup").asDouble();
        assertTrue(s > 0.2 && s < 5, "speedup " + s);
        assertTrue(r.has("macsRatio"));
        assertEquals(20, r.get("originalLatency").get("runs").asInt());
        assertEquals(20, r.get("prunedLatency").get("runs").asInt());
    }

    @Test
    void badDataIsOneLineExitOne() throws Exception {
        Path csv = tmp.resolve("bad.csv");
        Files.writeString(csv, "3," + "0.5,".repeat(63) + "zz\n");
        CliRun r = lopper("eval", DIGITS.toString(), "--data", csv.toString(), "--runs", "1", "--warmup", "0");
        assertEquals(1, r.code());
        assertEquals("lopper: " + csv + " row 1 column 65: 'zz' is not a number", r.err().strip());
        CliRun missing = lopper("eval", tmp.resolve("none.onnx").toString());
        assertEquals(1, missing.code());
        assertEquals("lopper: cannot read " + tmp.resolve("none.onnx") + ": no such file", missing.err().strip());
        CliRun shape = lopper("eval", DIGITS.toString(), "--input-shape", "input=1,3,8,8", "--runs", "1");
        assertEquals(1, shape.code());
        assertEquals("lopper: input 'input' has fixed dim 1 = 1 float[batch,1,8,8], --input-shape gives 3", shape.err().strip());
        CliRun usage = lopper("eval", DIGITS.toString(), "--label-column", "middle");
        assertEquals(2, usage.code());
    }

    @Test
    void textOutputNamesEverything() {
        CliRun r = lopper("eval", DIGITS.toString(), "--data", DIGITS_CSV.toString(), "--label-column", "first", "--runs", "2",
                "--warmup", "0", "--threads", "1", "--optimization", "basic");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("accuracy on samples/digits_test.csv (output 'logits'): top-1 99.72% (359/360)"), r.out());
        assertTrue(r.out().contains("latency: median "), r.out());
    }
}
