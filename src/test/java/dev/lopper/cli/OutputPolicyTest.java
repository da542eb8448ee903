package dev.lopper.cli;

import static dev.lopper.cli.Hostile.assertCode;
import static dev.lopper.cli.Hostile.assertMissing;
import static dev.lopper.cli.Hostile.assertOneLineFailure;
import static dev.lopper.cli.Hostile.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.onnx.ModelWriteException;
import dev.lopper.onnx.OutputFiles;

/** Issue 14, lost data: no output may replace an input or another output; outputs appear only when all succeeded. */
class OutputPolicyTest {
    @TempDir
    Path tmp;
    Path model;
    String modelSha;

    @BeforeEach
    void setUp() throws IOException {
        model = Hostile.tinyModel(tmp, "m.onnx");
        modelSha = sha256(model);
    }

    private CliRun prune(String... more) {
        String[] args = new String[more.length + 2];
        args[0] = "prune";
        args[1] = model.toString();
        System.arraycopy(more, 0, args, 2, more.length);
        return CliRun.of(args);
    }

    @Test
    void savePlanOntoTheModelIsRefused() {
        CliRun r = prune("--ratio", "0.3", "--save-plan", model.toString());
        assertOneLineFailure(r);
        assertTrue(r.err().contains("refusing to write over the input model"), r.err());
        assertEquals(modelSha, sha256(model));
    }

    @Test
    void outputOntoThePlanOrTheCalibrationDataIsRefused() throws Exception {
        Path plan = tmp.resolve("p.json");
        assertCode(0, prune("--ratio", "0.3", "--round-to", "1", "--save-plan", plan.toString()));
        String planSha = sha256(plan);
        CliRun r = prune("--plan", plan.toString(), "-o", plan.toString());
        assertOneLineFailure(r);
        assertTrue(r.err().contains("refusing to write over the input plan"), r.err());
        assertEquals(planSha, sha256(plan));

        Path csv = Hostile.csv(tmp, "d.csv", 8, 1);
        String csvSha = sha256(csv);
        r = prune("--ratio", "0.3", "--criterion", "mean-activation", "--calibration", csv.toString(), "-o", csv.toString());
        assertOneLineFailure(r);
        assertTrue(r.err().contains("refusing to write over the input calibration data"), r.err());
        assertEquals(csvSha, sha256(csv));
    }

    @Test
    void outputOntoTheSensitivityDataOrABenchmarkedModelIsRefused() throws Exception {
        Path csv = Hostile.csv(tmp, "s.csv", 8, 1);
        String csvSha = sha256(csv);
        CliRun r = prune("--target-macs", "0.5", "--allocation", "sensitivity", "--sensitivity-data", csv.toString(),
                "-o", csv.toString());
        assertOneLineFailure(r);
        assertTrue(r.err().contains("refusing to write over the input sensitivity data"), r.err());
        assertEquals(csvSha, sha256(csv));

        CliRun b = CliRun.of("bench-suite", model.toString(), "--quick", "--json", model.toString());
        assertEquals(2, b.code(), b.err());
        assertTrue(b.err().contains("refusing to write over the input model"), b.err());
        assertEquals(modelSha, sha256(model));
    }

    @Test
    void twoOutputsOnOneFileAreRefused() throws Exception {
        Path x = tmp.resolve("x");
        CliRun r = prune("--ratio", "0.3", "--save-plan", x.toString(), "-o", x.toString());
        assertOneLineFailure(r);
        assertTrue(r.err().contains("same file as another output"), r.err());
        assertMissing(x);
        // the plan onto the model's external data name is the same clash
        r = prune("--ratio", "0.3", "--save-plan", tmp.resolve("o.onnx.data").toString(), "-o", tmp.resolve("o.onnx").toString());
        assertOneLineFailure(r);
        assertMissing(tmp.resolve("o.onnx"), tmp.resolve("o.onnx.data"));
    }

    @Test
    void linksToTheInputAreRefused() throws Exception {
        Path hard = Files.createLink(tmp.resolve("hard.onnx"), model);
        Path soft = Files.createSymbolicLink(tmp.resolve("soft.json"), model);
        Path dirLink = Files.createSymbolicLink(tmp.resolve("dl"), tmp);
        for (Path p : new Path[] {hard, soft, dirLink.resolve("m.onnx")}) {
            CliRun r = prune("--ratio", "0.3", "-o", p.toString());
            assertOneLineFailure(r);
            r = prune("--ratio", "0.3", "--save-plan", p.toString());
            assertOneLineFailure(r);
            assertTrue(r.err().contains("refusing to write over the input model"), r.err());
        }
        assertEquals(modelSha, sha256(model));
    }

    @Test
    void savePlanIntoAMissingFolderOrOntoAFolderFailsBeforeAnythingIsWritten() throws Exception {
        Path out = tmp.resolve("out.onnx");
        CliRun r = prune("--ratio", "0.3", "-o", out.toString(), "--save-plan", tmp.resolve("nope/p.json").toString());
        assertOneLineFailure(r);
        assertTrue(r.err().contains("folder " + tmp.resolve("nope") + " does not exist"), r.err());
        assertMissing(out);
        Files.createDirectory(tmp.resolve("d"));
        r = prune("--ratio", "0.3", "-o", out.toString(), "--save-plan", tmp.resolve("d").toString());
        assertOneLineFailure(r);
        assertTrue(r.err().contains("is a folder"), r.err());
        assertMissing(out);
        r = prune("--ratio", "0.3", "-o", tmp.resolve("d").toString());
        assertOneLineFailure(r);
        assertOnlyExpected();
    }

    private void assertOnlyExpected() throws IOException {
        try (var s = Files.list(tmp)) {
            assertEquals(0, s.filter(p -> p.getFileName().toString().endsWith(".tmp")).count(), "temporary left behind");
        }
    }

    @Test
    void newOutputsHonourTheUmaskAndReplacedOnesKeepTheirPermissions() throws Exception {
        Path probe = Files.writeString(tmp.resolve("probe"), "x"); // created like any file: default permissions
        String normal = PosixFilePermissions.toString(Files.getPosixFilePermissions(probe));
        Path out = tmp.resolve("o.onnx");
        Path plan = tmp.resolve("p.json");
        assertCode(0, prune("--ratio", "0.3", "--round-to", "1", "-o", out.toString(), "--save-plan", plan.toString()));
        assertEquals(normal, PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        assertEquals(normal, PosixFilePermissions.toString(Files.getPosixFilePermissions(plan)));
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-rw----"));
        assertCode(0, prune("--ratio", "0.3", "--round-to", "1", "-o", out.toString()));
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        assertOnlyExpected();
    }

    @Test
    void nothingIsInPlaceUntilEveryOutputWasWritten() throws Exception {
        Path a = tmp.resolve("a.bin");
        Path b = tmp.resolve("b.bin");
        Files.writeString(b, "old");
        try (OutputFiles out = new OutputFiles()) {
            out.write(a, "a", os -> os.write(1));
            assertThrows(IOException.class, () -> out.write(b, "b", os -> {
                throw new IOException("disk full");
            }));
            // the command fails here: no commit
        }
        assertMissing(a);
        assertEquals("old", Files.readString(b));
        assertOnlyExpected();
        try (OutputFiles out = new OutputFiles()) {
            out.write(a, "a", os -> os.write(1));
            out.write(b, "b", os -> os.write(2));
            assertMissing(a);
            out.commit();
        }
        assertEquals(1, Files.readAllBytes(a)[0]);
        assertEquals(2, Files.readAllBytes(b)[0]);
    }

    @Test
    void specialFilesAndOutputsInsideAnInputFolderAreRefused() throws Exception {
        Path images = Files.createDirectory(tmp.resolve("images"));
        OutputFiles out = new OutputFiles().input(images, "calibration data");
        ModelWriteException e = assertThrows(ModelWriteException.class, () -> out.claim(images.resolve("x.onnx"), "model"));
        assertTrue(e.getMessage().contains("inside the input calibration data folder"), e.getMessage());
        Path fifo = tmp.resolve("fifo");
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        e = assertThrows(ModelWriteException.class, () -> new OutputFiles().claim(fifo, "model"));
        assertTrue(e.getMessage().endsWith("exists and is not a regular file"), e.getMessage());
    }
}
