package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The digits sample's test set split for calibration experiments: rows 1–100 calibrate, rows 101–360 (260 images)
 * measure, so no image is both.
 */
record DigitsSplit(Path calibration, Path heldOut) {
    static final Path MODEL = Path.of("samples/digits_cnn.onnx");
    static final Path DATA = Path.of("samples/digits_test.csv");
    static final int HELD_OUT = 260;

    static DigitsSplit in(Path dir) throws Exception {
        List<String> lines = Files.readAllLines(DATA);
        DigitsSplit s = new DigitsSplit(dir.resolve("calib.csv"), dir.resolve("rest.csv"));
        Files.write(s.calibration, lines.subList(0, 100));
        Files.write(s.heldOut, lines.subList(100, lines.size()));
        return s;
    }

    /** Top-1 correct of {@code model} on the held-out rows, through `lopper eval --json`. */
    int correct(Path model) throws Exception {
        CliRun r = CliRun.of("eval", model.toString(), "--data", heldOut.toString(), "--runs", "1",
                "--warmup", "0", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode acc = new ObjectMapper().readTree(r.out()).get("accuracy");
        assertEquals(HELD_OUT, acc.get("samples").asInt());
        return acc.get("top1Correct").asInt();
    }
}
