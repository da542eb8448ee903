package dev.lopper.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Start-up: ONNX Runtime's jar extracts its 24 MB native library to a new temp folder in every process (about a
 * second of a cold CLI command). The build (target/lib) and the installers unpack it once, next to the jar, in
 * {@code onnxruntime-native/ai/onnxruntime/native/OS-ARCH/}; when that folder holds this platform's libraries,
 * ORT is pointed at it ({@code onnxruntime.native.path}) instead. A path given by the user is kept.
 */
public final class OrtNatives {
    private OrtNatives() {}

    /** Call before any ONNX Runtime class is initialized (Main does, first thing). */
    public static void useUnpackedIfPresent() {
        if (System.getProperty("onnxruntime.native.path") != null) return;
        try {
            var src = ai.onnxruntime.OrtEnvironment.class.getProtectionDomain().getCodeSource();
            if (src == null) return;
            Path jar = Path.of(src.getLocation().toURI());
            Path dir = jar.resolveSibling("onnxruntime-native").resolve("ai/onnxruntime/native").resolve(platform());
            String lib = System.mapLibraryName("onnxruntime");
            String jni = System.mapLibraryName("onnxruntime4j_jni");
            if (Files.isRegularFile(dir.resolve(lib)) && Files.isRegularFile(dir.resolve(jni))) {
                System.setProperty("onnxruntime.native.path", dir.toString());
            }
        } catch (Exception | LinkageError e) {
            // no unpacked copy usable: ORT extracts from its jar as usual
        }
    }

    /** ORT's folder name for this OS and CPU (linux-x64, osx-aarch64, win-x64, ...). */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win" : "linux";
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        return o + "-" + a;
    }
}
