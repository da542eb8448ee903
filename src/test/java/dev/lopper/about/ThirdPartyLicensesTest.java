package dev.lopper.about;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The license list must name exactly the jars Maven bundles (target/lib, copied in the generate-resources phase),
 * at the same versions: a dependency added or bumped without updating the list fails here.
 */
class ThirdPartyLicensesTest {
    @Test
    void listMatchesBundledJars() throws IOException {
        Path lib = Path.of("target/lib");
        assertTrue(Files.isDirectory(lib), "target/lib is copied by maven-dependency-plugin before the tests");
        Set<String> jars = new TreeSet<>();
        try (Stream<Path> s = Files.list(lib)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar"))
                    // platform classifier jars (javafx-base-21.0.5-linux.jar) belong to the same artifact
                    .map(n -> n.replaceFirst("-(linux|win|mac|mac-aarch64|linux-aarch64)\\.jar$", ".jar"))
                    .forEach(jars::add);
        }
        Set<String> listed = new TreeSet<>();
        for (BuildInfo.Library l : BuildInfo.libraries()) {
            String artifactId = l.artifact().substring(l.artifact().indexOf(':') + 1);
            listed.add(artifactId + "-" + l.version() + ".jar");
            assertFalse(l.license().isBlank(), l.artifact());
            assertTrue(l.url().startsWith("http"), l.artifact());
        }
        assertEquals(jars, listed, "third-party-licenses.tsv vs target/lib");
        assertEquals(13, listed.size());
    }

    @Test
    void versionLinesNameLopperJavaAndOrt() {
        List<String> lines = BuildInfo.versionLines();
        assertTrue(lines.get(0).startsWith("lopper "), lines.get(0));
        assertTrue(lines.get(1).startsWith("Java " + System.getProperty("java.version")), lines.get(1));
        // the native library reports its own version; it must match the Java binding bundled with it
        String ortJar = BuildInfo.libraries().stream().filter(l -> l.artifact().endsWith(":onnxruntime")).findFirst()
                .orElseThrow().version();
        assertEquals("ONNX Runtime " + ortJar, lines.get(2));
    }
}
