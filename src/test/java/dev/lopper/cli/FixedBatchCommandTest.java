package dev.lopper.cli;

import static dev.lopper.testutil.FixedBatch.withFixedBatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;


/** `lopper prune --calibration` and `lopper eval --data` on exports with a fixed batch dim (torchvision's default). */
class FixedBatchCommandTest {
    @TempDir
    Path tmp;

    private static JsonNode json(CliRun r) throws Exception {
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void wandaAndCalibratedObspaRunOnABatchOneExportAndMatchTheDynamicModel() throws Exception {
        DigitsSplit split = DigitsSplit.in(tmp);
        Path b1 = withFixedBatch(DigitsSplit.MODEL, 1, tmp.resolve("b1.onnx"));
        for (String criterion : new String[] {"wanda", "obspa"}) {
            Path outDyn = tmp.resolve(criterion + "_dyn.onnx"), outB1 = tmp.resolve(criterion + "_b1.onnx");
            Path planDyn = tmp.resolve(criterion + "_dyn.json"), planB1 = tmp.resolve(criterion + "_b1.json");
            JsonNode dyn = json(CliRun.of("prune", DigitsSplit.MODEL.toString(), "--criterion", criterion, "--calibration",
                    split.calibration().toString(), "--calibration-samples", "64", "--ratio", "0.25", "--round-to", "1",
                    "-o", outDyn.toString(), "--save-plan", planDyn.toString(), "--json"));
            // before this change: "ONNX Runtime refused inputs [input: 32x1x8x8]"
            JsonNode one = json(CliRun.of("prune", b1.toString(), "--criterion", criterion, "--calibration",
                    split.calibration().toString(), "--calibration-samples", "64", "--ratio", "0.25", "--round-to", "1",
                    "-o", outB1.toString(), "--save-plan", planB1.toString(), "--json"));
            assertTrue(one.get("verified").asBoolean(), criterion);
            assertTrue(one.get("calibration").asText().contains("64 samples in batches of 1 (the model's fixed batch)"),
                    one.get("calibration").asText());
            assertTrue(dyn.get("calibration").asText().contains("64 samples in batches of 32"), dyn.get("calibration").asText());
            // same statistics, so the same channels go
            JsonNode gd = new ObjectMapper().readTree(planDyn.toFile()).get("groups");
            JsonNode g1 = new ObjectMapper().readTree(planB1.toFile()).get("groups");
            assertEquals(gd, g1, criterion);
            assertEquals(dyn.get("after").get("params").asLong(), one.get("after").get("params").asLong());
            // and the same held-out accuracy, measured on the batch-1 export one image at a time
            int cd = split.correct(outDyn), c1 = split.correct(outB1);
            assertEquals(cd, c1, criterion);
            // measured: wanda 91, calibrated OBSPA (compensated) 197 of 260 at ratio 0.25, round-to 1, 64 samples
            if (criterion.equals("obspa")) assertTrue(c1 >= 190, criterion + ": " + c1 + " of 260");
        }
    }

    @Test
    void evalPadsTheLastBatchOfAFixedBatchExportAndScoresOnlyTheRealRows() throws Exception {
        DigitsSplit split = DigitsSplit.in(tmp);
        Path b3 = withFixedBatch(DigitsSplit.MODEL, 3, tmp.resolve("b3.onnx"));
        CliRun r = CliRun.of("eval", b3.toString(), "--data", split.heldOut().toString(), "--runs", "1", "--warmup", "0", "--json");
        JsonNode acc = json(r).get("accuracy");
        // 260 = 86 × 3 + 2: the last batch carries one repeated row that is not scored
        assertEquals(260, acc.get("samples").asInt());
        assertEquals(split.correct(DigitsSplit.MODEL), acc.get("top1Correct").asInt());
        assertTrue(acc.get("batches").asText().contains("260 samples in batches of 3 (the model's fixed batch); last batch padded with 1 repeated row"),
                acc.get("batches").asText());
        // with the original as reference the padded rows are cut from both before comparing
        JsonNode f = json(CliRun.of("eval", b3.toString(), "--reference", DigitsSplit.MODEL.toString(), "--data",
                split.heldOut().toString(), "--runs", "1", "--warmup", "0", "--json"));
        assertEquals(260, f.get("fidelitySamples").asInt());
        assertEquals(1.0, f.get("fidelity").get("logits").get("cosine").asDouble(), 1e-6);
    }

    @Test
    void calibrationSamplesNeedsCalibrationAndAPositiveCount() {
        CliRun r = CliRun.of("prune", DigitsSplit.MODEL.toString(), "--ratio", "0.2", "--calibration-samples", "5",
                "-o", tmp.resolve("x.onnx").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--calibration-samples goes with --calibration FILE"), r.err());
        CliRun z = CliRun.of("prune", DigitsSplit.MODEL.toString(), "--ratio", "0.2", "--criterion", "wanda", "--calibration",
                DigitsSplit.DATA.toString(), "--calibration-samples", "0", "-o", tmp.resolve("x.onnx").toString());
        assertEquals(2, z.code());
        assertTrue(z.err().contains("--calibration-samples must be >= 1, got 0"), z.err());
        assertTrue(!Files.exists(tmp.resolve("x.onnx")));
    }
}
