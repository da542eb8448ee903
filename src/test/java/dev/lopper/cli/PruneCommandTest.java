package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;


class PruneCommandTest {
    static final Path MODEL = Path.of("src/test/resources/models/resnet18_slim_op13.onnx");

    @TempDir
    Path tmp;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void prunesVerifiesWritesAndReportsJson() throws Exception {
        Path out = tmp.resolve("p.onnx"), plan = tmp.resolve("plan.json");
        CliRun r = run("prune", MODEL.toString(), "-o", out.toString(), "--ratio", "0.5", "--round-to", "1",
                "--criterion", "fpgm", "--save-plan", plan.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertTrue(j.get("verified").asBoolean());
        assertEquals(out.toString(), j.get("output").asText());
        assertTrue(j.get("after").get("params").asLong() < j.get("before").get("params").asLong());
        assertTrue(j.get("after").get("macs").asLong() < j.get("before").get("macs").asLong());
        JsonNode g0 = j.get("groups").get(0);
        assertTrue(g0.has("id") && g0.has("channels") && g0.has("kept"));
        assertTrue(Files.size(out) > 0);

        // the saved plan applied again gives the same model size
        Path out2 = tmp.resolve("p2.onnx");
        CliRun again = run("prune", MODEL.toString(), "-o", out2.toString(), "--plan", plan.toString(), "--json");
        assertEquals(0, again.code(), again.err());
        assertEquals(j.get("after").get("params").asLong(), new ObjectMapper().readTree(again.out()).get("after").get("params").asLong());
    }

    @Test
    void inputShapeDoesNotFreezeBatchOrSequence() throws Exception {
        // pruned with --input-shape 1x17, the tiny encoder must still run at other batch sizes and lengths and
        // compute what the same plan pruned without --input-shape computes
        Path model = Path.of("samples/tiny_encoder.onnx");
        Path a = tmp.resolve("a.onnx"), b = tmp.resolve("b.onnx"), plan = tmp.resolve("plan.json");
        CliRun r = run("prune", model.toString(), "-o", a.toString(), "--ratio", "0.25", "--round-to", "1",
                "--input-shape", "input_ids=1,17", "--save-plan", plan.toString());
        assertEquals(0, r.code(), r.err());
        CliRun free = run("prune", model.toString(), "-o", b.toString(), "--plan", plan.toString());
        assertEquals(0, free.code(), free.err());
        for (String shape : new String[] {"4,17", "4,9", "32,17"}) {
            CliRun e = run("eval", a.toString(), "--reference", b.toString(), "--input-shape", "input_ids=" + shape,
                    "--runs", "1", "--warmup", "0", "--json");
            assertEquals(0, e.code(), shape + ": " + e.err());
            JsonNode f = new ObjectMapper().readTree(e.out()).get("fidelity").get("logits");
            long batch = Long.parseLong(shape.split(",")[0]);
            assertEquals(8 * batch * 2, f.get("elements").asLong(), shape + ": 8 batches of [batch, 2] logits");
            assertTrue(f.get("maxAbs").asDouble() < 1e-4, shape + ": differs by " + f.get("maxAbs").asDouble());
        }
    }

    @Test
    void planForAnotherModelIsAClearError() throws Exception {
        Path plan = tmp.resolve("plan.json");
        assertEquals(0, run("prune", MODEL.toString(), "--ratio", "0.3", "--save-plan", plan.toString()).code());
        Path other = Path.of("src/test/resources/models/resnet18_slim_op17.onnx");
        CliRun r = run("prune", other.toString(), "-o", tmp.resolve("x.onnx").toString(), "--plan", plan.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("lopper: plan " + plan + " was made for a model with sha256 "), r.err());
        assertTrue(r.err().contains(", not " + other + " ("), r.err());
        assertFalse(Files.exists(tmp.resolve("x.onnx")));
    }

    @Test
    void usageErrorsExit2() {
        assertEquals(2, run("prune", MODEL.toString(), "-o", MODEL.toString(), "--ratio", "0.3").code());
        assertEquals(2, run("prune", MODEL.toString(), "-o", tmp.resolve("a.onnx").toString(), "--ratio", "0.3", "--target-macs", "0.5").code());
        assertEquals(2, run("prune", MODEL.toString(), "-o", tmp.resolve("a.onnx").toString(), "--ratio", "0.3", "--criterion", "l7").code());
        assertEquals(2, run("prune", MODEL.toString(), "-o", tmp.resolve("a.onnx").toString(), "--ratio", "1.5").code());
        assertEquals(2, run("prune", MODEL.toString(), "-o", tmp.resolve("a.onnx").toString()).code());
        assertEquals(2, run("prune", MODEL.toString(), "-o", tmp.resolve("a.onnx").toString(), "--ratio", "0.3", "--round-to", "0").code());
        CliRun r = run("prune", MODEL.toString(), "-o", tmp.resolve("a.onnx").toString(), "--ratio", "0.3", "--protect", "nope");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--protect names node 'nope'"), r.err());
    }

    @Test
    void targetMacsIsMet() throws Exception {
        CliRun r = run("prune", MODEL.toString(), "-o", tmp.resolve("t.onnx").toString(), "--target-macs", "0.5", "--round-to", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        double f = j.get("after").get("macs").asDouble() / j.get("before").get("macs").asDouble();
        assertTrue(f <= 0.5 + 1e-3 && f > 0.35, "MACs kept " + f);
    }

    @Test
    void badModelIsOneLine() {
        CliRun r = run("prune", tmp.resolve("missing.onnx").toString(), "-o", tmp.resolve("a.onnx").toString(), "--ratio", "0.3");
        assertEquals(1, r.code());
        assertEquals(1, r.err().strip().lines().filter(l -> l.startsWith("lopper: cannot")).count(), r.err());
    }

    @Test
    void modelWithNothingPrunableIsWrittenUnchangedInSize() throws Exception {
        // every group of this model is locked (a Gather selects channels; graph input and output)
        Path model = Path.of("src/test/resources/models/gather_channels_op13.onnx");
        CliRun r = run("prune", model.toString(), "-o", tmp.resolve("if.onnx").toString(), "--ratio", "0.5", "--round-to", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(j.get("before").get("params").asLong(), j.get("after").get("params").asLong());
        assertEquals(0.0, j.get("fidelity").get("output").get("maxAbs").asDouble());
        for (JsonNode g : j.get("groups")) assertEquals(g.get("channels").asInt(), g.get("kept").asInt());
    }

    @Test
    void compensationImprovesFidelityAndHeldOutAccuracy() throws Exception {
        // L1 on the digits sample, then the one OBSPA compensation path: data-free H (default) and H from --calibration
        Path model = Path.of("samples/digits_cnn.onnx"), data = Path.of("samples/digits_test.csv");
        java.util.List<String> lines = Files.readAllLines(data);
        Path calib = tmp.resolve("calib.csv"), rest = tmp.resolve("rest.csv");
        Files.write(calib, lines.subList(0, 100));
        Files.write(rest, lines.subList(100, lines.size()));
        Path l1 = tmp.resolve("a.onnx"), df = tmp.resolve("b.onnx"), cal = tmp.resolve("c.onnx");
        CliRun plain = run("prune", model.toString(), "-o", l1.toString(), "--ratio", "0.3", "--round-to", "1", "--json");
        CliRun free = run("prune", model.toString(), "-o", df.toString(), "--ratio", "0.3", "--round-to", "1", "--compensate", "--json");
        CliRun calibrated = run("prune", model.toString(), "-o", cal.toString(), "--ratio", "0.3", "--round-to", "1", "--compensate",
                "--calibration", calib.toString(), "--json");
        assertEquals(0, plain.code(), plain.err());
        assertEquals(0, free.code(), free.err());
        assertEquals(0, calibrated.code(), calibrated.err());
        ObjectMapper m = new ObjectMapper();
        JsonNode jp = m.readTree(plain.out()), jf = m.readTree(free.out()), jc = m.readTree(calibrated.out());
        assertFalse(jp.get("plan").get("compensated").asBoolean());
        for (JsonNode j : new JsonNode[] {jf, jc}) {
            assertTrue(j.get("plan").get("compensated").asBoolean());
            assertEquals("l1", j.get("plan").get("criterion").asText());
            assertTrue(j.get("compensation").get("layers").size() >= 5, j.toString());
            assertEquals(jp.get("after").get("params").asLong(), j.get("after").get("params").asLong());
        }
        double a = jp.get("fidelity").get("logits").get("relL2").asDouble();
        double b = jf.get("fidelity").get("logits").get("relL2").asDouble();
        double c = jc.get("fidelity").get("logits").get("relL2").asDouble();
        // measured (seeded inputs): relative L2 error 1.02 without, 0.77 data-free, 0.66 calibrated
        assertTrue(b < a && c < a, "relative L2 error " + a + " without, " + b + " data-free, " + c + " calibrated");
        int ca = correct(l1, rest), cb = correct(df, rest), cc = correct(cal, rest);
        // measured (held-out rows, of 260): 78 without, 239 data-free, 250 calibrated (before grouped-conv channels
        // were allocated on their real axis: 48, 113, 156)
        assertTrue(cb > ca + 40, "held-out correct: " + ca + " without, " + cb + " data-free");
        assertTrue(cc > cb, "held-out correct: " + cb + " data-free, " + cc + " calibrated");
    }

    private static int correct(Path model, Path data) throws Exception {
        CliRun r = run("eval", model.toString(), "--data", data.toString(), "--runs", "1", "--warmup", "0", "--json");
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out()).get("accuracy").get("top1Correct").asInt();
    }

    @Test
    void randomInputCalibrationOptionIsGone() {
        CliRun r = run("prune", MODEL.toString(), "-o", tmp.resolve("x.onnx").toString(), "--ratio", "0.3", "--compensate",
                "--calibration-batches", "8");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--calibration-batches"), r.err());
    }
}
