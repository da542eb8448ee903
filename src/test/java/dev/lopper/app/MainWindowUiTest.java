package dev.lopper.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.prefs.Preferences;

import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import dev.lopper.app.graph.GraphCanvasView;
import dev.lopper.app.groups.GroupRow;
import dev.lopper.onnx.OnnxModel;

/** The real window, headless (Monocle): open, click a node, select a group, drag its slider, prune, chart, export, undo. */
@ExtendWith(ApplicationExtension.class)
class MainWindowUiTest {
    @TempDir
    static Path dir;
    static Path cnn;
    static Preferences prefs;
    MainViewModel vm;
    MainView view;

    @BeforeAll
    static void model() throws Exception {
        cnn = TestModels.residualCnn(dir.resolve("cnn.onnx"));
        prefs = Preferences.userRoot().node("dev/lopper/app-uitest-" + System.nanoTime());
    }

    @AfterAll
    static void cleanup() throws Exception {
        prefs.removeNode();
    }

    @Start
    void start(Stage stage) {
        vm = new MainViewModel(new CoreServices(), new RecentFiles(prefs));
        Scene scene = AppLauncher.createScene(vm, 1280, 800);
        view = (MainView) scene.getRoot();
        vm.errorProperty().addListener((o, a, m) -> { if (m != null) view.showError(m); });
        stage.setScene(scene);
        stage.show();
    }

    void waitUntil(java.util.concurrent.Callable<Boolean> c, int seconds) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, c);
    }

    @Test
    void openSelectPruneChartExportUndo(FxRobot robot) throws Exception {
        robot.interact(() -> vm.open(cnn));
        waitUntil(() -> vm.loaded() != null && vm.groups().analysedProperty().get(), 20);
        WaitForAsyncUtils.waitForFxEvents();

        // click the first Conv on the canvas: the inspector shows it
        GraphCanvasView canvas = view.graphView();
        int conv = vm.loaded().scene().boxOf(vm.loaded().graph().producer("stem_conv").orElseThrow().name());
        robot.interact(() -> canvas.reveal(conv));
        WaitForAsyncUtils.waitForFxEvents();
        double[] p = canvas.screenOf(conv);
        robot.clickOn(canvas.localToScreen(p[0], p[1]), MouseButton.PRIMARY);
        waitUntil(() -> vm.inspector().contentProperty().get() != null, 5);
        assertEquals("Conv", vm.inspector().contentProperty().get().heading());
        assertTrue(robot.lookup(".inspector-heading").queryAs(Label.class).getText().equals("Conv"));

        // search by op type from the keyboard
        robot.clickOn("#search").write("Gemm").type(KeyCode.ENTER);
        assertEquals("Gemm", vm.graph().selectedNode().opType());

        // select a group in the table: its members are marked on the graph
        TableView<GroupRow> table = robot.lookup("#groups-table").queryTableView();
        waitUntil(() -> table.getItems().size() == 4, 5);
        int row = -1;
        for (int i = 0; i < table.getItems().size(); i++) if (table.getItems().get(i).id().equals("g:conv_3/out")) row = i;
        final int r = row;
        robot.interact(() -> table.getSelectionModel().select(r));
        assertEquals("g:conv_3/out", vm.graph().overlayProperty().get().groupId());

        // lower round-to so 8 channels can be cut, then drag that group's slider
        robot.interact(() -> vm.prune().setRoundTo(1));
        Slider slider = robot.lookup("#groups-table .slider").nth(r).queryAs(Slider.class);
        robot.drag(slider.lookup(".thumb"), MouseButton.PRIMARY).moveBy(40, 0).release(MouseButton.PRIMARY);
        GroupRow g = table.getItems().get(r);
        assertTrue(g.hasOverride() && g.effectiveRatio() > 0.3, "ratio " + g.effectiveRatio());
        double own = g.effectiveRatio();

        // the plan and the verified pruned model follow (debounced, in the background)
        waitUntil(() -> vm.prune().prunedProperty().get() != null && vm.prune().prunedProperty().get().verified()
                && vm.prune().prunedProperty().get().applied().settings().pruning().overrides().containsKey("g:conv_3/out"), 40);
        assertTrue(g.keptProperty().get() < 8);

        // evaluate: the latency chart gets points for both models
        robot.interact(() -> vm.prune().evaluateRunsProperty().set(12));
        robot.clickOn("#evaluate");
        waitUntil(() -> view.pruneView().latencyChart().getData().get(0).getData().size() == 12
                && view.pruneView().latencyChart().getData().get(1).getData().size() == 12, 60);

        // export (through the view-model: file choosers are native dialogs)
        Path out = dir.resolve("out.onnx");
        java.util.concurrent.atomic.AtomicReference<String> done = new java.util.concurrent.atomic.AtomicReference<>();
        robot.interact(() -> vm.prune().export(out, done::set, e -> done.set("failed " + e)));
        waitUntil(() -> done.get() != null, 20);
        assertEquals("Exported " + out, done.get());
        assertTrue(Files.size(out) > 0);
        OnnxModel.read(out);

        // undo with the keyboard: the group's own ratio goes away
        robot.press(KeyCode.CONTROL).press(KeyCode.Z).release(KeyCode.Z).release(KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(g.hasOverride(), "own ratio " + own + " undone");
    }

    @Test
    void aBadFileShowsADialogAndTheAppStaysUsable(FxRobot robot) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.onnx"), "garbage");
        robot.interact(() -> vm.open(bad));
        waitUntil(() -> robot.lookup("#error-dialog").tryQuery().isPresent(), 10);
        Label content = robot.lookup("#error-dialog .content").queryAs(Label.class);
        assertTrue(content.getText().startsWith("cannot read " + bad.toAbsolutePath()), content.getText());
        robot.clickOn("OK");
        robot.interact(() -> vm.open(cnn));
        waitUntil(() -> vm.loaded() != null, 20);
    }
}
