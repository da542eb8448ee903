package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The no-fine-tuning table of issue 9: for the bundled digits CNN and tiny encoder, every criterion × ratio
 * 0.25 / 0.5 / 0.75, round-to 1, data-free and calibrated (64 calibration rows, disjoint from the test rows), test
 * accuracy through `lopper prune` + `lopper eval`. Prints a Markdown table and writes it to
 * target/no-fine-tune-table.md.
 * <pre>mvn -B -o test -Dgroups=bench -Dtest=NoFineTuneTableBench</pre>
 */
@Tag("bench")
class NoFineTuneTableBench {
    static final double[] RATIOS = {0.25, 0.5, 0.75};

    @TempDir
    Path tmp;

    /**
     * One model: its file, data (label first), how many leading rows calibrate, input shape option, eval batch (the
     * encoder pruned with --input-shape input_ids=1,17 is verified, and measured, at batch 1).
     */
    record Setup(String name, Path model, Path data, int calibrationRows, String[] shapeArgs, int evalBatch) { }

    /** One table row: label and prune arguments. */
    record Config(String label, boolean calibrated, String... args) { }

    static final List<Config> CONFIGS = List.of(
            new Config("l1", false, "--criterion", "l1"),
            new Config("l2", false, "--criterion", "l2"),
            new Config("bn-scale", false, "--criterion", "bn-scale"),
            new Config("fpgm", false, "--criterion", "fpgm"),
            new Config("lamp", false, "--criterion", "lamp"),
            new Config("random (seed 0)", false, "--criterion", "random"),
            new Config("l1 + compensate", false, "--criterion", "l1", "--compensate"),
            new Config("obspa", false, "--criterion", "obspa"),
            new Config("mean-activation", true, "--criterion", "mean-activation"),
            new Config("apoz", true, "--criterion", "apoz"),
            new Config("wanda", true, "--criterion", "wanda"),
            new Config("stade", true, "--criterion", "stade"),
            new Config("l1 + compensate", true, "--criterion", "l1", "--compensate"),
            new Config("obspa", true, "--criterion", "obspa"),
            new Config("l1, --steps 4", true, "--criterion", "l1", "--steps", "4"));

    @Test
    void table() throws Exception {
        List<Setup> setups = List.of(
                new Setup("samples/digits_cnn.onnx", Path.of("samples/digits_cnn.onnx"), Path.of("samples/digits_test.csv"), 100,
                        new String[0], 32),
                new Setup("samples/tiny_encoder.onnx", Path.of("samples/tiny_encoder.onnx"), Path.of("samples/tiny_encoder_test.csv"),
                        128, new String[] {"--input-shape", "input_ids=1,17"}, 1));
        StringBuilder md = new StringBuilder();
        for (Setup s : setups) {
            List<String> lines = Files.readAllLines(s.data());
            Path cal = tmp.resolve("cal.csv"), test = tmp.resolve("test.csv");
            Files.write(cal, lines.subList(0, s.calibrationRows()));
            Files.write(test, lines.subList(s.calibrationRows(), lines.size()));
            int n = lines.size() - s.calibrationRows();
            int[] base = accuracy(s.model(), test, s);
            assertEquals(n, base[1]);
            md.append(String.format(Locale.ROOT, "%n%s — unpruned %.1f %% (%d/%d test rows %d–%d; calibration: 64 of rows 1–%d)%n%n",
                    s.name(), 100.0 * base[0] / n, base[0], n, s.calibrationRows() + 1, lines.size(), s.calibrationRows()));
            md.append("| criterion | data | 0.25 | 0.5 | 0.75 |\n|---|---|---|---|---|\n");
            for (Config c : CONFIGS) {
                StringBuilder row = new StringBuilder(String.format("| %s | %s |", c.label(), c.calibrated() ? "64 rows" : "data-free"));
                for (double r : RATIOS) {
                    Path out = tmp.resolve("p.onnx");
                    Files.deleteIfExists(out);
                    List<String> args = new ArrayList<>(List.of("prune", s.model().toString(), "--ratio", String.valueOf(r),
                            "--round-to", "1", "-o", out.toString()));
                    args.addAll(List.of(c.args()));
                    args.addAll(List.of(s.shapeArgs()));
                    if (c.calibrated()) args.addAll(List.of("--calibration", cal.toString(), "--calibration-samples", "64"));
                    long t0 = System.nanoTime();
                    CliRun p = CliRun.of(args.toArray(String[]::new));
                    double secs = (System.nanoTime() - t0) / 1e9;
                    if (p.code() != 0) {
                        String err = p.err().strip();
                        row.append(" fails: ").append(err.substring(err.lastIndexOf('\n') + 1).replace("|", "/")).append(" |");
                        continue;
                    }
                    int[] acc = accuracy(out, test, s);
                    assertTrue(acc[0] >= 0 && acc[0] <= n);
                    row.append(String.format(Locale.ROOT, " %.1f %% |", 100.0 * acc[0] / n));
                    System.err.printf(Locale.ROOT, "%s %s %s %.2f: %d/%d (%.1f s)%n", s.name(), c.label(), c.calibrated() ? "cal" : "df", r,
                            acc[0], n, secs);
                }
                md.append(row).append('\n');
            }
        }
        System.out.println(md);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/no-fine-tune-table.md"), md.toString());
    }

    /** {top-1 correct, samples} through `lopper eval --json`. */
    private static int[] accuracy(Path model, Path data, Setup s) throws Exception {
        List<String> args = new ArrayList<>(List.of("eval", model.toString(), "--data", data.toString(), "--runs", "1", "--warmup", "0",
                "--json", "--batch", String.valueOf(s.evalBatch())));
        args.addAll(List.of(s.shapeArgs()));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        JsonNode acc = new ObjectMapper().readTree(r.out()).get("accuracy");
        return new int[] {acc.get("top1Correct").asInt(), acc.get("samples").asInt()};
    }
}
