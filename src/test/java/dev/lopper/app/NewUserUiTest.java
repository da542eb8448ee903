package dev.lopper.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.chart.NumberAxis;
import javafx.scene.control.Labeled;
import javafx.scene.control.Slider;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.scene.text.Text;
import javafx.stage.Stage;
import javafx.stage.Window;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import dev.lopper.app.graph.GraphCanvasView;
import dev.lopper.app.graph.GraphScene;
import dev.lopper.app.groups.GroupRow;

/** Issue 11's bugs a new user hit, in the real window (headless Monocle). */
@ExtendWith(ApplicationExtension.class)
class NewUserUiTest {
    static final Path DIGITS = Path.of("samples", "digits_cnn.onnx");
    @TempDir
    Path dir;
    MainViewModel vm;
    MainView view;
    Stage stage;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        vm = new MainViewModel(new CoreServices(), RecentFiles.inMemory());
        Scene scene = AppLauncher.createScene(vm, AppLauncher.WIDTH, AppLauncher.HEIGHT);
        view = (MainView) scene.getRoot();
        vm.errorProperty().addListener((o, a, m) -> { if (m != null) view.showError(m); });
        stage.setScene(scene);
        stage.show();
        WindowKeeper.sizeAfterShow(stage, AppLauncher.WIDTH, AppLauncher.HEIGHT);
    }

    void waitUntil(java.util.concurrent.Callable<Boolean> c, int seconds) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, c);
    }

    void openDigits(FxRobot robot) throws Exception {
        robot.interact(() -> vm.open(DIGITS));
        waitUntil(() -> vm.loaded() != null && vm.groups().analysedProperty().get()
                && vm.prune().prunedProperty().get() != null, 60);
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void bug1TheWindowStaysMaximizedWithItsSplittersAcrossDialogs(FxRobot robot) throws Exception {
        // its preferred size, or the screen's when smaller (Monocle's screen is 1280×800)
        var screen = javafx.stage.Screen.getPrimary().getVisualBounds();
        assertEquals(Math.min(AppLauncher.WIDTH, screen.getWidth()), stage.getWidth(), 1);
        assertEquals(Math.min(AppLauncher.HEIGHT, screen.getHeight()), stage.getHeight(), 1);
        robot.interact(() -> stage.setMaximized(true));
        robot.interact(() -> view.centre().setDividerPositions(0.3, 0.7));
        double[] before = view.centre().getDividerPositions().clone();
        robot.interact(() -> vm.reportErrorMessage("cannot read /nowhere.onnx: no such file"));
        waitUntil(() -> robot.lookup("#error-dialog").tryQuery().isPresent(), 10);
        // the error dialog belongs to the main window (centred on it, decorated)
        Window dialog = robot.lookup("#error-dialog").query().getScene().getWindow();
        assertSame(stage, ((Stage) dialog).getOwner());
        robot.interact(() -> stage.setMaximized(false)); // what openbox does to the owner of a modal dialog
        robot.clickOn("OK");
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(stage.isMaximized());
        assertEquals(before[0], view.centre().getDividerPositions()[0], 1e-3);
        assertEquals(before[1], view.centre().getDividerPositions()[1], 1e-3);
    }

    @Test
    void bug2TheGroupsTableIsReadableAtTheDefaultSize(FxRobot robot) throws Exception {
        openDigits(robot);
        TableView<GroupRow> table = robot.lookup("#groups-table").queryTableView();
        assertEquals("block1 conv1 out", table.getColumns().get(0).getCellData(0));
        int cells = 0;
        for (Node n : robot.lookup("#groups-table .table-cell").queryAll()) {
            if (!(n instanceof Labeled l) || l.getText() == null || l.getText().isEmpty() || !l.isVisible()) continue;
            Text shown = (Text) l.lookup(".text");
            assertEquals(l.getText(), shown.getText(), "cell cut short");
            cells++;
        }
        assertTrue(cells >= 8 * 6, "cells " + cells);
    }

    @Test
    void bug7RightClickOnASliderOpensTheMenuWithoutMovingIt(FxRobot robot) throws Exception {
        openDigits(robot);
        Slider slider = robot.lookup("#groups-table .slider").nth(2).queryAs(Slider.class);
        double value = slider.getValue();
        int edits = vm.undo().size();
        robot.moveTo(slider.lookup(".track")).moveBy(25, 0).clickOn(MouseButton.SECONDARY);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(value, slider.getValue(), 1e-12);
        assertEquals(edits, vm.undo().size());

    }

    @Test
    void bug9TheGraphIsFittedOnOpenAndClearOfTheMinimap(FxRobot robot) throws Exception {
        // the window manager maps the window small first, then at its size: the fit follows
        // (here: the graph pane starts narrow, then widens; Monocle cannot grow a window)
        robot.interact(() -> view.centre().setDividerPositions(0.45, 0.55));
        openDigits(robot);
        robot.interact(() -> view.centre().setDividerPositions(0.3, 0.8));
        WaitForAsyncUtils.waitForFxEvents();
        Thread.sleep(200);
        WaitForAsyncUtils.waitForFxEvents();
        GraphCanvasView canvas = view.graphView();
        GraphScene s = vm.graph().sceneProperty().get();
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        double minimapLeft = canvas.lookup(".minimap").getBoundsInParent().getMinX();
        for (int b = 0; b < s.boxes().size(); b++) {
            double[] p = canvas.screenOf(b);
            assertTrue(p[0] > 0 && p[0] < minimapLeft && p[1] > 0 && p[1] < h,
                    "box " + b + " at " + p[0] + "," + p[1] + " in " + w + "×" + h + " (minimap from x " + minimapLeft + ", scene " + s.width() + "×" + s.height() + ", scale " + canvas.scale() + ")");
        }
    }

    @Test
    void bug10ChartsHaveLegendsWholeRunTicksAndPlainNumbers(FxRobot robot) throws Exception {
        openDigits(robot);
        robot.interact(() -> vm.prune().evaluate(6));
        waitUntil(() -> vm.prune().latencyStatusProperty().get().startsWith("median"), 60);
        WaitForAsyncUtils.waitForFxEvents();
        var latency = view.pruneView().latencyChart();
        assertTrue(latency.isLegendVisible());
        var legend = robot.from(latency).lookup(".chart-legend-item").queryAllAs(Labeled.class);
        assertEquals(java.util.List.of("original", "pruned"), legend.stream().map(Labeled::getText).toList());
        for (Labeled l : legend) assertTrue(l.isVisible() && l.getScene() != null && l.getWidth() > 0);
        var costLegend = robot.from((Node) robot.lookup("#cost-chart").query()).lookup(".chart-legend-item").queryAllAs(Labeled.class);
        assertEquals(2, costLegend.size());
        NumberAxis runs = (NumberAxis) latency.getXAxis();
        NumberAxis ms = (NumberAxis) latency.getYAxis();
        assertEquals("ms", ms.getLabel());
        assertEquals(10, runs.getUpperBound(), 1e-12);
        assertFalse(runs.getTickMarks().isEmpty());
        for (var t : runs.getTickMarks()) {
            double v = t.getValue().doubleValue();
            assertEquals(Math.rint(v), v, 1e-12, "run tick " + v);
            assertEquals(String.valueOf((long) v), runs.getTickLabelFormatter().toString(v));
        }
        String big = ms.getTickLabelFormatter().toString(1530.638);
        assertTrue(big.startsWith("1530.") && !big.contains(","), big);
    }

    @Test
    void bug4OpeningAnotherModelEmptiesTheLatencyChart(FxRobot robot) throws Exception {
        openDigits(robot);
        robot.interact(() -> vm.prune().evaluate(40));
        waitUntil(() -> vm.prune().latencyStatusProperty().get().startsWith("median"), 120);
        WaitForAsyncUtils.waitForFxEvents();
        var latency = view.pruneView().latencyChart();
        NumberAxis runs = (NumberAxis) latency.getXAxis();
        assertEquals(40, latency.getData().get(0).getData().size());
        assertEquals(40, latency.getData().get(1).getData().size());
        assertEquals(40, runs.getUpperBound(), 1e-12);
        // export the pruned model and open it (File > Open): live prune re-plans and verifies the new model
        Path out = dir.resolve("digits_pruned.onnx");
        robot.interact(() -> vm.prune().export(out, m -> { }, ex -> { throw new AssertionError(ex); }));
        waitUntil(() -> java.nio.file.Files.exists(out), 60);
        robot.interact(() -> vm.open(out));
        waitUntil(() -> vm.loaded() != null && vm.loaded().path().equals(out.toAbsolutePath().normalize())
                && vm.groups().analysedProperty().get() && vm.prune().prunedProperty().get() != null, 60);
        WaitForAsyncUtils.waitForFxEvents();
        Thread.sleep(300);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(vm.prune().originalLatency().isEmpty());
        assertTrue(vm.prune().prunedLatency().isEmpty());
        assertEquals(10, runs.getUpperBound(), 1e-12);
        assertEquals(1, ((NumberAxis) latency.getYAxis()).getUpperBound(), 1e-12, "ms axis keeps the previous runs' scale");
        // what is drawn: no series points and no line left from the previous model's runs
        for (var series : latency.getData()) {
            assertEquals(java.util.List.of(), series.getData().stream().map(d -> d.getXValue() + ":" + d.getYValue()).toList(),
                    series.getName());
            javafx.scene.shape.Path line = (javafx.scene.shape.Path) series.getNode();
            assertEquals(0, line.getElements().size(), series.getName() + " line still drawn");
        }
        // evaluating the new model fills the chart with its own runs at whole positions 1..n
        robot.interact(() -> vm.prune().evaluate(12));
        waitUntil(() -> vm.prune().latencyStatusProperty().get().startsWith("median"), 120);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(12, runs.getUpperBound(), 1e-12);
        for (var series : latency.getData()) {
            assertEquals(12, series.getData().size(), series.getName());
            for (int i = 0; i < 12; i++) assertEquals(i + 1.0, series.getData().get(i).getXValue().doubleValue(), 0);
        }
    }

    @Test
    void bug11AnExactRatioCanBeTypedAndTheBlockTooltipGoesOnExpand(FxRobot robot) throws Exception {
        openDigits(robot);
        robot.doubleClickOn("#global-ratio-percent .text-field").eraseText(4).write("10").type(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(0.10, vm.groups().globalRatioProperty().get(), 1e-12);
        // hover a collapsed block, double-click it: the hover card of the block does not stay
        robot.interact(() -> vm.graph().collapseAll());
        waitUntil(() -> vm.graph().sceneProperty().get().collapsed().size() == 2, 20);
        WaitForAsyncUtils.waitForFxEvents();
        GraphCanvasView canvas = view.graphView();
        GraphScene s = vm.graph().sceneProperty().get();
        int block = -1;
        for (GraphScene.Box b : s.boxes()) if (b.kind() == GraphScene.Kind.BLOCK) { block = b.index(); break; }
        final int blk = block;
        robot.interact(() -> canvas.reveal(blk));
        WaitForAsyncUtils.waitForFxEvents();
        double[] p = canvas.screenOf(block);
        robot.moveTo(canvas.localToScreen(p[0], p[1]));
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(canvas.isHoverCardShown());
        robot.doubleClickOn(MouseButton.PRIMARY);
        waitUntil(() -> vm.graph().sceneProperty().get().collapsed().size() == 1, 20);
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(canvas.isHoverCardShown());
    }
}
