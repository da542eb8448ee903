package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * `lopper prune --criterion obspa --allocation calibrated` on the digits sample at ratio 0.75 with 64 calibration rows
 * (rows 1–64), no fine-tuning, measured on the 260 held-out rows 101–360 (original 259/260). Issue 9's target is
 * ≥ 80 %; measured 178/260 = 68.5 % (the default global allocation: 93/260, uniform: 166/260).
 */
class CalibratedAllocationCommandTest {
    @TempDir
    Path tmp;

    @Test
    void calibratedAllocationAtThreeQuartersHoldsTheHeldOutRows() throws Exception {
        DigitsSplit split = DigitsSplit.in(tmp);
        Path out = tmp.resolve("cal.onnx");
        long t0 = System.nanoTime();
        CliRun r = CliRun.of("prune", DigitsSplit.MODEL.toString(), "-o", out.toString(), "--ratio", "0.75", "--round-to", "1",
                "--criterion", "obspa", "--calibration", split.calibration().toString(), "--calibration-samples", "64",
                "--allocation", "calibrated", "--json");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertTrue(j.get("verified").asBoolean(), r.out());
        assertEquals("calibrated", j.get("plan").get("allocation").asText(), r.out());
        JsonNode ca = j.get("calibratedAllocation");
        // compensation fitted on rows 1–32, candidates measured on rows 33–64
        assertEquals(32, ca.get("heldOut").asInt(), ca.toString());
        assertEquals(32, ca.get("fitted").asInt(), ca.toString());
        assertTrue(ca.get("measured").asInt() >= ca.get("moves").asInt() + 2, ca.toString());
        // the kept plan is the least damaged of the greedy one and the plain allocations on the held-out samples
        double damage = ca.get("damage").asDouble();
        ca.get("alternatives").forEach(a -> assertTrue(damage <= a.asDouble(), ca.toString()));
        int correct = split.correct(out);
        // measured 178 of 260 (68.5 %); the target (208, 80 %) is not met
        assertTrue(correct >= 170, "calibrated allocation at 0.75: " + correct + " of 260 held-out rows");
        assertTrue(seconds < 240, "took " + seconds + " s");
    }

    @Test
    void calibratedAllocationNeedsCalibrationData() {
        CliRun r = CliRun.of("prune", DigitsSplit.MODEL.toString(), "-o", tmp.resolve("x.onnx").toString(), "--ratio", "0.5",
                "--criterion", "obspa", "--allocation", "calibrated");
        assertTrue(r.code() != 0, r.out());
        assertTrue(r.err().contains("--allocation calibrated needs calibration data"), r.err());
    }
}
