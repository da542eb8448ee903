package dev.lopper.about;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.lopper.runtime.OrtEnv;

/**
 * What this build is: Lopper's version (from the jar manifest), the Java runtime, ONNX Runtime's version (asked of
 * the loaded native library) and the bundled third-party libraries with their licenses (resource
 * {@code third-party-licenses.tsv}, checked against target/lib by a test). The CLI's --version and the app's About
 * dialog both print {@link #versionLines()}.
 */
public final class BuildInfo {
    private BuildInfo() {}

    static final String LICENSES = "/dev/lopper/about/third-party-licenses.tsv";

    /** One bundled artifact: Maven coordinates, version, license (SPDX), project address. */
    public record Library(String artifact, String version, String license, String url) {}

    /** Lopper's version from the jar manifest; "dev" when run from classes (not a packaged jar). */
    public static String lopperVersion() {
        String v = BuildInfo.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public static String javaVersion() {
        return System.getProperty("java.runtime.version", System.getProperty("java.version"))
                + " (" + System.getProperty("java.vm.vendor", "?") + ", " + System.getProperty("java.vm.name", "?") + ")";
    }

    /** The ONNX Runtime version reported by the native library, or why it could not be loaded. */
    public static String onnxRuntimeVersion() {
        try {
            return OrtEnv.get().getVersion();
        } catch (dev.lopper.runtime.EvalException e) { // an unsupported CPU/libc: report it, --version must not crash
            return "not loadable (" + e.getMessage() + ")";
        } catch (Throwable t) {
            return "not loadable (" + t.getClass().getSimpleName() + ": " + t.getMessage() + ")";
        }
    }

    public static List<String> versionLines() {
        return List.of("lopper " + lopperVersion(),
                "Java " + javaVersion(),
                "ONNX Runtime " + onnxRuntimeVersion(),
                "OS " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    }

    /** The bundled libraries, in file order. */
    public static List<Library> libraries() {
        InputStream in = BuildInfo.class.getResourceAsStream(LICENSES);
        if (in == null) throw new IllegalStateException("missing resource " + LICENSES);
        List<Library> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t");
                if (f.length != 4) throw new IllegalStateException(LICENSES + ": expected 4 tab-separated fields: " + line);
                out.add(new Library(f[0], f[1], f[2], f[3]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
