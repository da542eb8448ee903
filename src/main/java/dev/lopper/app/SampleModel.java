package dev.lopper.app;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The bundled sample model the app opens when started without one: {@code samples/digits_cnn.onnx} next to
 * the working directory when present, else the copy packaged in the jar (extracted once to a temp file,
 * since models are read through a memory map).
 */
public final class SampleModel {
    public static final String FILE_NAME = "digits_cnn.onnx";
    static final String RESOURCE = "/dev/lopper/app/samples/" + FILE_NAME;

    private SampleModel() {}

    public static Optional<Path> locate() {
        Path local = Path.of("samples", FILE_NAME);
        if (Files.isRegularFile(local)) return Optional.of(local.toAbsolutePath());
        try (InputStream in = SampleModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) return Optional.empty();
            Path dir = Files.createDirectories(extractedDir());
            Path target = dir.resolve(FILE_NAME);
            Path tmp = Files.createTempFile(dir, "sample", ".part");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            // the data set that goes with the sample, when packaged
            try (InputStream csv = SampleModel.class.getResourceAsStream("/dev/lopper/app/samples/digits_test.csv")) {
                if (csv != null) Files.copy(csv, dir.resolve("digits_test.csv"), StandardCopyOption.REPLACE_EXISTING);
            }
            return Optional.of(target);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Where the packaged sample is extracted to. */
    public static Path extractedDir() {
        return Path.of(System.getProperty("java.io.tmpdir"), "lopper-sample").toAbsolutePath();
    }

    public static boolean isSample(Path p) {
        return p != null && p.getFileName() != null && p.getFileName().toString().equals(FILE_NAME);
    }
}
