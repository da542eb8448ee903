package dev.lopper.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The suite's first-paint probe: the app's line is parsed, the child runs this JVM and class path. */
class FirstPaintTest {
    @Test
    void theAppsLineIsParsed() {
        assertArrayEquals(new double[] {1234, 567}, BenchSuite.parseFirstPaint(
                "Dec 07 WARNING something\nfirst paint: 1234 ms after launch, 567 ms after open (paint issued 560 ms after open)\n"), 0);
        assertNull(BenchSuite.parseFirstPaint("lopper: cannot read x.onnx: no such file"));
    }

    @Test
    void theChildIsThisJvm() {
        List<String> cmd = BenchSuite.guiCommand(Path.of("m.onnx"));
        if (System.getProperty("jpackage.app-path") == null) {
            assertEquals(Path.of(System.getProperty("java.home"), "bin", "java").toString(), cmd.get(0));
            assertEquals(System.getProperty("java.class.path"), cmd.get(2));
            assertEquals(List.of("dev.lopper.Main", "gui", "m.onnx", "--first-paint"), cmd.subList(3, 7));
        }
    }
}
