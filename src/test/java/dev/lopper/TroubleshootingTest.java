package dev.lopper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the README's troubleshooting section promises, in fresh processes: no display and ONNX Runtime natives that
 * cannot load each give one line (no stack trace), and what needs neither still works.
 */
class TroubleshootingTest {
    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {}

    private Run lopper(boolean display, List<String> jvm, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.lopper.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(tmp.resolve("out.txt").toFile())
                .redirectError(tmp.resolve("err.txt").toFile());
        if (!display) {
            pb.environment().remove("DISPLAY");
            pb.environment().remove("WAYLAND_DISPLAY");
        }
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "lopper " + String.join(" ", args) + " did not end");
        return new Run(p.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void noDisplayIsOneLine() throws Exception {
        Run r = lopper(false, List.of(), "samples/digits_cnn.onnx");
        assertEquals(1, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("lopper: cannot open a window: no display (neither DISPLAY nor WAYLAND_DISPLAY is set)"), r.err());
        assertTrue(r.err().contains("--screenshot"), r.err());
        Run cli = lopper(false, List.of(), "inspect", "samples/digits_cnn.onnx");
        assertEquals(0, cli.exit(), cli.err());
        assertTrue(cli.out().contains("Conv"), cli.out());
    }

    @Test
    void onnxRuntimeNativesThatDoNotLoadAreOneLine() throws Exception {
        Path empty = Files.createDirectory(tmp.resolve("no-natives"));
        List<String> jvm = List.of("-Donnxruntime.native.path=" + empty);
        Run version = lopper(true, jvm, "--version");
        assertEquals(0, version.exit(), version.err());
        assertTrue(version.out().contains("ONNX Runtime not loadable (ONNX Runtime's native library cannot be loaded on this system"), version.out());

        Path out = tmp.resolve("pruned.onnx");
        Run prune = lopper(true, jvm, "prune", "samples/digits_cnn.onnx", "-o", out.toString(), "--ratio", "0.3");
        assertEquals(1, prune.exit(), prune.err());
        assertEquals(1, prune.err().strip().lines().count(), prune.err());
        assertTrue(prune.err().startsWith("lopper: ") && prune.err().contains("ONNX Runtime's native library cannot be loaded on this system ("), prune.err());
        assertTrue(prune.err().contains("not found at " + empty), prune.err());
        assertTrue(prune.err().contains("-Donnxruntime.native.path=DIR"), prune.err());
        assertFalse(Files.exists(out));

        Path plan = tmp.resolve("plan.json");
        Run planOnly = lopper(true, jvm, "prune", "samples/digits_cnn.onnx", "--save-plan", plan.toString(), "--ratio", "0.3");
        assertEquals(0, planOnly.exit(), planOnly.err());
        assertTrue(Files.size(plan) > 100);
    }
}
