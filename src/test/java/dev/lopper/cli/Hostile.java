package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Pattern;

import dev.lopper.testutil.ModelBuilder;

/** Shared pieces of the hardening tests and the fuzz suite: a tiny model, data, and the one-line-error contract. */
final class Hostile {
    private Hostile() {}

    static final Pattern EXCEPTION_NAME = Pattern.compile("\\b[A-Z]\\w*(Exception|Error)\\b");

    /** x[1,3,8,8] → Conv(8) → Relu → Conv(8) → GlobalAveragePool → Flatten → Gemm(4). */
    static ModelBuilder tinyBuilder() {
        ModelBuilder b = ModelBuilder.create("tiny").input("x", 1, 3, 8, 8);
        b.conv("c1", "x", 3, 8, 3);
        b.relu("r1", "c1");
        b.conv("c2", "r1", 8, 8, 3);
        b.relu("r2", "c2");
        b.globalAvgPool("gap", "r2");
        b.flatten("fl", "gap");
        b.gemm("fc", "fl", 8, 4);
        b.output("fc");
        return b;
    }

    static Path tinyModel(Path dir, String name) throws IOException {
        return Files.write(dir.resolve(name), tinyBuilder().build().toByteArray());
    }

    /** A CSV for the tiny model: label first, 192 features, {@code rows} rows. */
    static Path csv(Path dir, String name, int rows, long seed) throws IOException {
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            b.append(r.nextInt(4));
            for (int j = 0; j < 192; j++) b.append(',').append(String.format(Locale.ROOT, "%.3f", r.nextDouble()));
            b.append('\n');
        }
        return Files.writeString(dir.resolve(name), b.toString());
    }

    static String sha256(Path p) {
        try {
            if (!Files.isRegularFile(p)) return Files.exists(p) ? "special" : "missing";
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The contract of a failure: exit 1 or 2, exactly one stderr line starting "lopper: ", no exception class name. */
    static void assertOneLineFailure(CliRun r) {
        assertTrue(r.code() == 1 || r.code() == 2, "exit " + r.code() + ": " + r.err());
        assertOneLine(r);
    }

    static void assertOneLine(CliRun r) {
        String err = r.err();
        if (r.code() == 0) {
            assertFalse(EXCEPTION_NAME.matcher(err).find(), err);
            return;
        }
        assertTrue(err.endsWith("\n") && err.indexOf('\n') == err.length() - 1, "not one line: [" + err + "]");
        assertTrue(err.startsWith("lopper: "), err);
        assertFalse(EXCEPTION_NAME.matcher(err).find(), "exception name: " + err);
        assertFalse(err.contains("onnxruntime_src"), err);
    }

    static void assertMissing(Path... outputs) {
        for (Path p : outputs) assertFalse(Files.exists(p), p + " was left behind");
    }

    static void assertCode(int code, CliRun r) {
        assertEquals(code, r.code(), r.err());
    }
}
