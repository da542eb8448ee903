package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** `lopper prune --target-accuracy A --data D`: the written model's accuracy, measured again by `lopper eval`, is >= A. */
class AccuracyTargetCommandTest {
    @TempDir
    Path tmp;

    @Test
    void writesTheSmallestPlanThatKeepsTheAccuracyAndEvalAgrees() throws Exception {
        DigitsSplit split = DigitsSplit.in(tmp);
        Path out = tmp.resolve("p.onnx");
        CliRun r = CliRun.of("prune", DigitsSplit.MODEL.toString(), "-o", out.toString(), "--target-accuracy", "97%",
                "--data", split.heldOut().toString(), "--round-to", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode a = new ObjectMapper().readTree(r.out()).get("accuracy");
        assertEquals(0.97, a.get("target").asDouble(), 1e-12);
        assertEquals(DigitsSplit.HELD_OUT, a.get("samples").asInt());
        assertEquals(7, a.get("trials").size());
        double acc = a.get("accuracy").asDouble();
        assertTrue(acc >= 0.97, "accuracy " + acc);
        // independently: lopper eval on the same rows gives the same count
        assertEquals(Math.round(acc * DigitsSplit.HELD_OUT), split.correct(out));
        double chosenMacs = -1;
        for (JsonNode t : a.get("trials")) if (t.get("chosen").asBoolean()) chosenMacs = t.get("macs").asDouble();
        assertTrue(chosenMacs > 0 && chosenMacs < 1, "chosen MACs " + chosenMacs);
        for (JsonNode t : a.get("trials")) {
            if (t.get("macs").asDouble() < chosenMacs - 1e-12) assertFalse(t.get("meets").asBoolean(), t.toString());
        }
    }

    @Test
    void anUnreachableTargetSaysSoInOneLineAndWritesNothing() throws Exception {
        DigitsSplit split = DigitsSplit.in(tmp);
        Path out = tmp.resolve("p.onnx");
        // the original scores 259/260 = 99.6 % on these rows
        CliRun r = CliRun.of("prune", DigitsSplit.MODEL.toString(), "-o", out.toString(), "--target-accuracy", "0.999",
                "--data", split.heldOut().toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("reaches only 99.62% top-1") && r.err().contains("no pruned model can meet it"), r.err());
        assertFalse(Files.exists(out));
        CliRun over = CliRun.of("prune", DigitsSplit.MODEL.toString(), "-o", out.toString(), "--target-accuracy", "1.01",
                "--data", split.heldOut().toString());
        assertNotEquals(0, over.code());
        assertTrue(over.err().contains("cannot exceed 100%"), over.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void refusesTheCalibrationRowsAsAccuracyRows() throws Exception {
        DigitsSplit split = DigitsSplit.in(tmp);
        Path out = tmp.resolve("p.onnx");
        CliRun r = CliRun.of("prune", DigitsSplit.MODEL.toString(), "-o", out.toString(), "--target-accuracy", "0.9",
                "--data", split.heldOut().toString(), "--compensate", "--calibration", split.heldOut().toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("also the calibration data"), r.err());
        assertFalse(Files.exists(out));
    }
}
