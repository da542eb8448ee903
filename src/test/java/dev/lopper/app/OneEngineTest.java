package dev.lopper.app;

import static dev.lopper.app.FxTestSupport.onFx;
import static dev.lopper.app.FxTestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.prefs.Preferences;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.app.prune.PruneViewModel;
import dev.lopper.cli.LopperCommand;
import dev.lopper.importance.Criterion;
import dev.lopper.prune.Allocation;
import dev.lopper.prune.PruneTarget;

/**
 * One engine: the app's prune view-model and `lopper prune --save-plan` plan through the same session and give
 * byte-identical plan files for the same model and settings (including a MACs target, met by bisection on exact
 * counts, and OBSPA scoring with its data-free moments).
 */
class OneEngineTest {
    static final Path SAMPLE = Path.of("samples", "digits_cnn.onnx").toAbsolutePath().normalize();
    Preferences prefs;
    MainViewModel vm;
    @TempDir Path dir;
    String cliOut;

    @BeforeAll
    static void start() throws Exception {
        FxTestSupport.startToolkit();
    }

    static final Path BERT = Path.of("src", "test", "resources", "models", "bert_tiny_op13.onnx").toAbsolutePath().normalize();

    @BeforeEach
    void create() throws Exception {
        prefs = Preferences.userRoot().node("dev/lopper/app-test-" + System.nanoTime());
        vm = onFx(() -> new MainViewModel(new CoreServices(), new RecentFiles(prefs)));
    }

    private void open(Path model) throws Exception {
        onFx(() -> vm.open(model));
        waitFor(() -> vm.loaded() != null && vm.loaded().path().equals(model) && vm.groups().analysedProperty().get(), 30_000);
    }

    @AfterEach
    void cleanup() throws Exception {
        prefs.removeNode();
    }

    private byte[] appPlan(PruneViewModel prune, String criterion, PruneTarget.Kind kind, String file) throws Exception {
        waitFor(() -> prune.outcomeProperty().get() != null
                && prune.outcomeProperty().get().plan().settings().criterion().equals(criterion)
                && prune.outcomeProperty().get().plan().settings().pruning().target().kind() == kind
                && prune.outcomeProperty().get().plan().settings().pruning().allocation() == prune.allocationProperty().get(), 60_000);
        Path p = dir.resolve(file);
        onFx(() -> {
            prune.savePlan(p);
            return null;
        });
        return Files.readAllBytes(p);
    }

    private byte[] cliPlan(Path model, String file, String... options) throws Exception {
        Path p = dir.resolve(file);
        List<String> args = new java.util.ArrayList<>(List.of("prune", model.toString(), "--save-plan", p.toString()));
        args.addAll(List.of(options));
        args.add("--json");
        java.io.StringWriter err = new java.io.StringWriter();
        java.io.StringWriter out = new java.io.StringWriter();
        var cl = LopperCommand.commandLine();
        cl.setOut(new java.io.PrintWriter(out));
        cl.setErr(new java.io.PrintWriter(err));
        assertEquals(0, cl.execute(args.toArray(String[]::new)), err.toString());
        cliOut = out.toString();
        return Files.readAllBytes(p);
    }

    @Test
    void macsTargetPlanIsByteIdenticalInAppAndCli() throws Exception {
        // attention MatMuls have no weights: an estimate from sliced weights misses their MACs
        open(BERT);
        PruneViewModel prune = vm.prune();
        onFx(() -> prune.setTargetKind(PruneTarget.Kind.MACS));
        onFx(() -> prune.setRoundTo(1));
        waitFor(() -> prune.outcomeProperty().get() != null
                && prune.outcomeProperty().get().plan().settings().pruning().roundTo() == 1, 60_000);
        byte[] app = appPlan(prune, "l1", PruneTarget.Kind.MACS, "app.json");
        byte[] cli = cliPlan(BERT, "cli.json", "--target-macs", "0.7", "--round-to", "1");
        String text = new String(app, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.contains("\"macs\""), text);
        assertArrayEquals(cli, app, () -> "app:\n" + text + "\ncli:\n" + new String(cli, java.nio.charset.StandardCharsets.UTF_8));
        // and the costs the app shows are the CLI's
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cliOut);
        ModelServices.PlanOutcome shown = onFx(() -> prune.outcomeProperty().get());
        assertEquals(json.path("before").path("macs").asLong(), shown.before().macs());
        assertEquals(json.path("before").path("params").asLong(), shown.before().params());
        assertEquals(json.path("after").path("macs").asLong(), shown.after().macs());
        assertEquals(json.path("after").path("params").asLong(), shown.after().params());
    }

    @Test
    void obspaGlobalRatioPlanIsByteIdenticalInAppAndCli() throws Exception {
        open(SAMPLE);
        PruneViewModel prune = vm.prune();
        onFx(() -> prune.setCriterion(Criterion.OBSPA));
        onFx(() -> prune.setAllocation(Allocation.GLOBAL));
        onFx(() -> prune.setRoundTo(1));
        waitFor(() -> prune.outcomeProperty().get() != null
                && prune.outcomeProperty().get().plan().settings().pruning().roundTo() == 1, 60_000);
        byte[] app = appPlan(prune, "obspa", PruneTarget.Kind.RATIO, "app.json");
        byte[] cli = cliPlan(SAMPLE, "cli.json", "--ratio", "0.3", "--criterion", "obspa", "--allocation", "global", "--round-to", "1");
        assertArrayEquals(cli, app, () -> "app:\n" + new String(app) + "\ncli:\n" + new String(cli));
    }

    @Test
    void sensitivityTargetPlanIsByteIdenticalInAppAndCli() throws Exception {
        // each measures its own sensitivity table (separate caches): the tables and the allocations must agree
        var s = targetPlanInAppAndCli(dev.lopper.app.sensitivity.SensitivityViewModel.TargetKind.MACS, "50 %", 120_000,
                "--target-macs", "0.5");
        assertTrue(Files.list(dir.resolve("cli-cache").resolve("sensitivity")).count() == 1, "the CLI measured its own table");
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cliOut);
        ModelServices.PlanOutcome shown = onFx(() -> vm.prune().outcomeProperty().get());
        assertEquals(json.path("after").path("macs").asLong(), shown.after().macs());
        assertTrue(shown.after().macsFraction(shown.before()) <= 0.5);
    }

    @Test
    void accuracyTargetPlanIsByteIdenticalInAppAndCli() throws Exception {
        // the app measures on the labelled CSV next to the model; the CLI is given the same file
        var s = targetPlanInAppAndCli(dev.lopper.app.sensitivity.SensitivityViewModel.TargetKind.ACCURACY, "97 %", 240_000,
                "--target-accuracy", "97%", "--data", SAMPLE.resolveSibling("digits_test.csv").toString());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cliOut);
        assertEquals(s.decidedProperty().get().accuracy().chosenTrial().accuracy(), json.path("accuracy").path("accuracy").asDouble(), 1e-12);
        assertTrue(json.path("accuracy").path("accuracy").asDouble() >= 0.97);
    }

    /**
     * The sample with a target typed into the app's target box (16 sensitivity samples, round-to 1, the app's own
     * cache) and the same target given to {@code lopper prune --allocation sensitivity} (another cache): the plan files
     * must be byte-identical. Leaves the CLI's JSON in {@link #cliOut}.
     */
    private dev.lopper.app.sensitivity.SensitivityViewModel targetPlanInAppAndCli(
            dev.lopper.app.sensitivity.SensitivityViewModel.TargetKind kind, String text, long waitMs, String... cliTarget)
            throws Exception {
        String saved = System.getProperty("lopper.cache.dir");
        try {
            System.setProperty("lopper.cache.dir", dir.resolve("app-cache").toString());
            open(SAMPLE);
            PruneViewModel prune = vm.prune();
            onFx(() -> prune.setRoundTo(1));
            var s = vm.sensitivity();
            onFx(() -> {
                s.samplesProperty().set(16);
                s.targetKindProperty().set(kind);
                s.targetTextProperty().set(text);
                s.findPlan();
            });
            waitFor(() -> s.decidedProperty().get() != null && prune.outcomeProperty().get() != null
                    && prune.outcomeProperty().get().plan() == s.decidedProperty().get().outcome().plan(), waitMs);
            Path appFile = dir.resolve("app.json");
            onFx(() -> {
                prune.savePlan(appFile);
                return null;
            });
            byte[] app = Files.readAllBytes(appFile);
            System.setProperty("lopper.cache.dir", dir.resolve("cli-cache").toString());
            List<String> args = new java.util.ArrayList<>(List.of(cliTarget));
            args.addAll(List.of("--allocation", "sensitivity", "--round-to", "1", "--sensitivity-samples", "16"));
            byte[] cli = cliPlan(SAMPLE, "cli.json", args.toArray(String[]::new));
            assertArrayEquals(cli, app, () -> "app:\n" + new String(app) + "\ncli:\n" + new String(cli));
            return s;
        } finally {
            if (saved == null) System.clearProperty("lopper.cache.dir");
            else System.setProperty("lopper.cache.dir", saved);
        }
    }

    @Test
    void calibratedWandaPlanIsByteIdenticalInAppAndCli() throws Exception {
        // calibration data chosen in the app: an activation criterion becomes available and scores on it, as --calibration
        Path data = SAMPLE.resolveSibling("digits_test.csv");
        open(SAMPLE);
        PruneViewModel prune = vm.prune();
        assertTrue(!onFx(() -> prune.criteria()).contains(Criterion.WANDA), "wanda needs data");
        onFx(() -> prune.setCalibration(data));
        assertTrue(onFx(() -> prune.criteria()).contains(Criterion.WANDA));
        onFx(() -> prune.setCriterion(Criterion.WANDA));
        byte[] app = appPlan(prune, "wanda", PruneTarget.Kind.RATIO, "app.json");
        byte[] cli = cliPlan(SAMPLE, "cli.json", "--ratio", "0.3", "--criterion", "wanda", "--calibration", data.toString());
        assertArrayEquals(cli, app, () -> "app:\n" + new String(app) + "\ncli:\n" + new String(cli));
        // and it differs from the data-free l1 plan (the scores came from the data)
        onFx(() -> prune.setCriterion(Criterion.L1));
        byte[] l1 = appPlan(prune, "l1", PruneTarget.Kind.RATIO, "l1.json");
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var wandaGroups = mapper.readTree(app).get("groups");
        var l1Groups = mapper.readTree(l1).get("groups");
        assertTrue(wandaGroups != null && wandaGroups.size() > 0, new String(app));
        assertTrue(!wandaGroups.equals(l1Groups), "other channels kept than by l1");
    }

    @Test
    void calibratedAllocationIsOfferedWithDataAndPlansAsTheCli() throws Exception {
        // --allocation calibrated: offered once calibration data is chosen; the search measures candidates compensated as
        // the export will be, so the app's plan is the CLI's (obspa turns compensation on in both)
        List<String> lines = Files.readAllLines(SAMPLE.resolveSibling("digits_test.csv"));
        Path data = dir.resolve("cal.csv");
        Files.write(data, lines.subList(0, 64));
        open(SAMPLE);
        PruneViewModel prune = vm.prune();
        assertTrue(!onFx(() -> prune.allocations()).contains(Allocation.CALIBRATED), "calibrated needs data");
        onFx(() -> prune.setCalibration(data));
        assertTrue(onFx(() -> prune.allocations()).contains(Allocation.CALIBRATED));
        onFx(() -> prune.setCriterion(Criterion.OBSPA));
        onFx(() -> prune.setAllocation(Allocation.CALIBRATED));
        waitFor(() -> prune.outcomeProperty().get() != null
                && prune.outcomeProperty().get().plan().settings().pruning().allocation() == Allocation.CALIBRATED, 600_000);
        assertTrue(prune.outcomeProperty().get().costNote().startsWith("calibrated: "), prune.outcomeProperty().get().costNote());
        Path p = dir.resolve("app.json");
        onFx(() -> {
            prune.savePlan(p);
            return null;
        });
        byte[] app = Files.readAllBytes(p);
        byte[] cli = cliPlan(SAMPLE, "cli.json", "--ratio", "0.3", "--criterion", "obspa", "--allocation", "calibrated",
                "--calibration", data.toString());
        assertArrayEquals(cli, app, () -> "app:\n" + new String(app) + "\ncli:\n" + new String(cli));
        // without data the allocation falls back to the criterion's default, in one undoable step
        onFx(() -> prune.setCalibration(null));
        assertEquals(Allocation.GLOBAL, prune.allocationProperty().get());
        onFx(() -> vm.undo().undo());
        assertEquals(Allocation.CALIBRATED, prune.allocationProperty().get());
        assertEquals(data, prune.calibrationProperty().get());
    }

    @Test
    void calibrationDataIsReadWhenChosenAndAFileThatCannotServeIsNamed() throws Exception {
        // read at once, not when a data criterion first plans with it (minutes later on a large model)
        open(SAMPLE);
        PruneViewModel prune = vm.prune();
        Path bad = dir.resolve("bad_rows.csv");
        Files.writeString(bad, "3,0.1,0.2,0.3\n");
        onFx(() -> prune.setCalibration(bad));
        waitFor(() -> prune.noticeProperty().get().startsWith("Calibration data bad_rows.csv"), 30_000);
        String n = onFx(() -> prune.noticeProperty().get());
        assertTrue(n.startsWith("Calibration data bad_rows.csv cannot be used: ") && n.contains("3 features"), n);
        Path good = SAMPLE.resolveSibling("digits_test.csv");
        onFx(() -> prune.setCalibration(good));
        waitFor(() -> prune.noticeProperty().get().startsWith("Calibration data digits_test.csv"), 30_000);
        assertEquals("Calibration data digits_test.csv: its first sample reads as the model's input", onFx(() -> prune.noticeProperty().get()));
    }
}
