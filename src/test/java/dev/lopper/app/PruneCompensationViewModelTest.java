package dev.lopper.app;

import static dev.lopper.app.FxTestSupport.onFx;
import static dev.lopper.app.FxTestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.prefs.Preferences;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.lopper.app.prune.PruneViewModel;
import dev.lopper.importance.Criterion;

/** The "Compensate (OBS)" setting of the prune view-model, driven without a Stage on the bundled digits sample. */
class PruneCompensationViewModelTest {
    static final Path SAMPLE = Path.of("samples", "digits_cnn.onnx").toAbsolutePath().normalize();
    Preferences prefs;
    MainViewModel vm;

    @BeforeAll
    static void start() throws Exception {
        FxTestSupport.startToolkit();
    }

    @BeforeEach
    void create() throws Exception {
        prefs = Preferences.userRoot().node("dev/lopper/app-test-" + System.nanoTime());
        vm = onFx(() -> new MainViewModel(new CoreServices(), new RecentFiles(prefs)));
        onFx(() -> vm.open(SAMPLE));
        waitFor(() -> vm.loaded() != null && vm.loaded().path().equals(SAMPLE) && vm.groups().analysedProperty().get(), 30_000);
    }

    @AfterEach
    void cleanup() throws Exception {
        prefs.removeNode();
    }

    /** Waits for the verified pruned model made with compensation {@code on}, then its accuracy on digits_test.csv. */
    private ModelServices.Accuracy prunedAccuracy(PruneViewModel prune, boolean on) throws Exception {
        waitFor(() -> prune.prunedProperty().get() != null && prune.prunedProperty().get().compensated() == on
                && prune.prunedProperty().get().applied().settings().pruning().roundTo() == 1, 60_000);
        ModelServices.PruneOutcome out = onFx(() -> prune.prunedProperty().get());
        assertTrue(out.verified(), onFx(() -> prune.pruneStatusProperty().get()));
        String status = onFx(() -> prune.pruneStatusProperty().get());
        assertTrue(status.startsWith("✔ pruned model verified"), status);
        if (on) {
            assertTrue(out.compensatedLayers() > 0, "compensated layers: " + out.compensatedLayers());
            assertTrue(status.contains("OBS compensation on " + out.compensatedLayers() + " layer"), status);
            System.out.println("status: " + status);
        } else {
            assertFalse(status.contains("OBS compensation"), status);
        }
        onFx(() -> prune.evaluate(3));
        waitFor(() -> prune.accuracyProperty().get() != null, 60_000);
        ModelServices.Accuracy acc = onFx(() -> prune.accuracyProperty().get());
        assertNotNull(acc);
        assertEquals("digits_test.csv", acc.dataset());
        return acc;
    }

    @Test
    void dataFreeCompensationRecoversAccuracyAndIsUndoable() throws Exception {
        PruneViewModel prune = vm.prune();
        assertEquals(0.3, onFx(() -> vm.groups().globalRatioProperty().get()), 1e-12);
        assertFalse(onFx(() -> prune.compensateProperty().get()));
        onFx(() -> prune.setRoundTo(1));
        ModelServices.Accuracy off = prunedAccuracy(prune, false);

        int edits = onFx(() -> vm.undo().size());
        onFx(() -> prune.setCompensate(true));
        assertEquals(edits + 1, onFx(() -> vm.undo().size()));
        ModelServices.Accuracy on = prunedAccuracy(prune, true);
        System.out.printf("digits_cnn 30%% L1 round-to 1 on %s (%d): original %.4f, pruned %.4f without compensation,"
                + " %.4f with data-free OBS compensation%n", on.dataset(), on.samples(), on.original(), off.pruned(), on.pruned());
        assertEquals(off.original(), on.original(), 1e-12);
        assertTrue(on.pruned() > off.pruned(), "compensated " + on.pruned() + " vs " + off.pruned());

        // undo turns it off again and the model is re-made without compensation
        onFx(() -> vm.undo().undo());
        assertFalse(onFx(() -> prune.compensateProperty().get()));
        waitFor(() -> prune.prunedProperty().get() != null && !prune.prunedProperty().get().compensated(), 60_000);
        onFx(() -> vm.undo().redo());
        assertTrue(onFx(() -> prune.compensateProperty().get()));
    }

    @Test
    void choosingObspaTurnsCompensationOnInOneUndoableStep() throws Exception {
        PruneViewModel prune = vm.prune();
        assertTrue(PruneViewModel.DATA_FREE_CRITERIA.contains(Criterion.OBSPA));
        onFx(() -> prune.setCriterion(Criterion.OBSPA));
        assertEquals(Criterion.OBSPA, onFx(() -> prune.criterionProperty().get()));
        assertTrue(onFx(() -> prune.compensateProperty().get()));
        // the CLI's default allocation for obspa (lopper prune --criterion obspa without --allocation)
        assertEquals(dev.lopper.prune.Allocation.GLOBAL, onFx(() -> prune.allocationProperty().get()));
        waitFor(() -> prune.outcomeProperty().get() != null
                && prune.outcomeProperty().get().plan().settings().criterion().equals("obspa"), 60_000);
        waitFor(() -> prune.prunedProperty().get() != null && prune.prunedProperty().get().compensated(), 60_000);
        assertTrue(onFx(() -> prune.prunedProperty().get().verified()), onFx(() -> prune.pruneStatusProperty().get()));
        // compensation can be switched off with obspa kept
        onFx(() -> prune.setCompensate(false));
        assertEquals(Criterion.OBSPA, onFx(() -> prune.criterionProperty().get()));
        onFx(() -> vm.undo().undo());
        assertTrue(onFx(() -> prune.compensateProperty().get()));
        // one undo reverts criterion, compensation and allocation together
        onFx(() -> vm.undo().undo());
        assertEquals(Criterion.L1, onFx(() -> prune.criterionProperty().get()));
        assertFalse(onFx(() -> prune.compensateProperty().get()));
        assertEquals(dev.lopper.prune.Allocation.UNIFORM, onFx(() -> prune.allocationProperty().get()));
    }

    @Test
    void anAllocationTheUserChoseSurvivesACriterionChange() throws Exception {
        PruneViewModel prune = vm.prune();
        onFx(() -> prune.setAllocation(dev.lopper.prune.Allocation.GLOBAL));
        onFx(() -> prune.setCriterion(Criterion.L2));
        assertEquals(dev.lopper.prune.Allocation.GLOBAL, onFx(() -> prune.allocationProperty().get()));
    }
}
