package dev.lopper.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.app.prune.PruneViewModel;
import dev.lopper.app.task.DirectTaskRunner;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.prune.PruningSettings;
import dev.lopper.prune.latency.NeverSlower;
import dev.lopper.task.Progress;

/**
 * The app's Export applies the never-slower rule of `lopper prune -o` (NeverSlower.guard): the view-model on the
 * digits sample with the direct task runner, real CoreServices (plan, prune, verify, write) and an injected meter that
 * says which candidate is slower.
 */
class ExportNeverSlowerViewModelTest {
    static final Path DIGITS = Path.of("samples", "digits_cnn.onnx");

    @TempDir
    Path dir;

    final CoreServices services = new CoreServices();

    /** Says each candidate's latency fraction in turn (the last one repeated) and keeps the candidates timed. */
    static final class ScriptedMeter implements NeverSlower.Meter {
        final double[] fractions;
        final List<ModelProto> timed = new ArrayList<>();

        ScriptedMeter(double... fractions) { this.fractions = fractions; }

        @Override
        public NeverSlower.Timing time(ModelProto candidate, Progress progress) {
            double f = fractions[Math.min(timed.size(), fractions.length - 1)];
            timed.add(candidate);
            return new NeverSlower.Timing(10, 10 * f, f, 7);
        }
    }

    MainViewModel open() {
        MainViewModel vm = new MainViewModel(services, RecentFiles.inMemory(), DirectTaskRunner::new);
        vm.open(DIGITS);
        assertNull(vm.errorProperty().get());
        assertTrue(vm.groups().analysedProperty().get());
        return vm;
    }

    /** A stand-in for a measured latency table: kept counts rounded up to a multiple of 3 (and of the group's step). */
    static int multipleOfThree(dev.lopper.analysis.CoupledGroup g, int wish, int min, Progress p) {
        int step = 3 * Math.max(1, g.multipleOf());
        int k = (Math.max(wish, min) + step - 1) / step * step;
        return Math.min(k, g.channels());
    }

    static Map<String, List<Long>> initializerDims(ModelProto m) {
        Map<String, List<Long>> d = new TreeMap<>();
        for (TensorProto t : m.getGraph().getInitializerList()) d.put(t.getName(), t.getDimsList());
        return d;
    }

    @Test
    void aSlowerModelIsReplannedWithTheNextRoundingAndTheNoticeSaysSo() throws Exception {
        ScriptedMeter meter = new ScriptedMeter(1.3, 0.8);
        services.setSpeedCheck(0, s -> meter);
        MainViewModel vm = open();
        PruneViewModel prune = vm.prune();
        prune.setRoundTo(1);
        ModelServices.PruneOutcome shown = prune.prunedProperty().get();
        assertNotNull(shown);
        assertTrue(shown.verified());
        assertEquals(1, shown.applied().settings().pruning().roundTo());

        Path out = dir.resolve("out.onnx");
        AtomicReference<String> done = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        prune.export(out, done::set, failed::set);
        assertNull(failed.get(), () -> String.valueOf(failed.get()));
        // round-to 1 (1.30x the latency), then round-to 8 (0.80x): the round-to 8 model is written
        assertEquals(2, meter.timed.size());
        Map<String, List<Long>> written = initializerDims(ModelProto.parseFrom(Files.readAllBytes(out)));
        assertEquals(initializerDims(meter.timed.get(1)), written);
        assertFalse(initializerDims(meter.timed.get(0)).equals(written), "the slower round-to 1 model was written");
        String note = prune.noticeProperty().get();
        assertTrue(note.contains("with round-to 8, not the plan shown (round-to 1): re-planned with round-to 8: the round-to 1 plan was 1.30\u00d7 slower"),
                note);
        assertTrue(note.contains("0.800x the latency"), note);
        assertEquals("Exported " + out, done.get());
    }

    @Test
    void whenEveryRoundingIsSlowerTheExportIsRefusedUnlessAllowed() throws Exception {
        ScriptedMeter meter = new ScriptedMeter(1.3);
        services.setSpeedCheck(0, s -> meter);
        MainViewModel vm = open();
        // round-to auto without measuring this machine: a table that keeps multiples of 3
        services.session(vm.loaded(), Map.of(), Progress.NONE).setChannelCounts(ExportNeverSlowerViewModelTest::multipleOfThree);
        PruneViewModel prune = vm.prune();
        prune.setRoundTo(1);
        assertNotNull(prune.prunedProperty().get());

        Path out = dir.resolve("slow.onnx");
        AtomicReference<Throwable> failed = new AtomicReference<>();
        prune.export(out, s -> { }, failed::set);
        assertNotNull(failed.get());
        // round-to 1, then the CLI's fallbacks 8, 16, auto: all slower, nothing written
        assertEquals(4, meter.timed.size());
        assertFalse(Files.exists(out));
        String m = failed.get().getMessage();
        assertTrue(m.startsWith("the pruned model runs slower than the original digits_cnn.onnx with 1 thread; round-to 1: "), m);
        assertTrue(m.contains("; round-to 8: ") && m.contains("; round-to 16: ") && m.contains("; round-to auto: "), m);
        assertTrue(m.endsWith("nothing written (tick \u201cAllow slower\u201d to export it anyway)"), m);
        assertTrue(prune.noticeProperty().get().startsWith("Export refused or failed: the pruned model runs slower"), prune.noticeProperty().get());

        prune.allowSlowerProperty().set(true);
        failed.set(null);
        prune.export(out, s -> { }, failed::set);
        assertNull(failed.get());
        assertEquals(4, meter.timed.size(), "allow slower does not time");
        assertTrue(Files.exists(out));
        assertTrue(prune.noticeProperty().get().endsWith(" \u00b7 speed not timed (allow slower)"), prune.noticeProperty().get());
    }

    @Test
    void roundToAutoFromTheAppUsesTheSessionsChannelCounts() throws Exception {
        MainViewModel vm = open();
        services.session(vm.loaded(), Map.of(), Progress.NONE).setChannelCounts(ExportNeverSlowerViewModelTest::multipleOfThree);
        PruneViewModel prune = vm.prune();
        prune.setRoundTo(PruningSettings.ROUND_TO_AUTO);
        var plan = prune.outcomeProperty().get().plan();
        assertEquals(PruningSettings.ROUND_TO_AUTO, plan.settings().pruning().roundTo());
        int pruned = 0;
        for (var g : plan.groups().values()) {
            if (g.removedCount() == 0) continue;
            pruned++;
            assertEquals(0, g.keptCount() % 3, g.toString());
        }
        assertTrue(pruned > 0);
    }

    @Test
    void aModelBelowTheThresholdIsExportedAndSaidNotTimed() throws Exception {
        MainViewModel vm = open();
        PruneViewModel prune = vm.prune();
        assertNotNull(prune.prunedProperty().get());
        Path out = dir.resolve("small.onnx");
        AtomicReference<Throwable> failed = new AtomicReference<>();
        prune.export(out, s -> { }, failed::set);
        assertNull(failed.get());
        assertTrue(Files.exists(out));
        String note = prune.noticeProperty().get();
        assertTrue(note.matches(".* · speed not timed: [0-9,]+ MACs, below 20,000,000, where timing noise exceeds what pruning changes"), note);
    }
}
