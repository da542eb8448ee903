package dev.lopper.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import javafx.scene.Scene;
import javafx.scene.control.ToggleButton;
import javafx.stage.Stage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import dev.lopper.app.compare.CompareView;
import dev.lopper.app.graph.GraphCanvasView;

/** The compare view in the real window (headless Monocle): opens on a verified pruned model, pans both graphs together. */
@ExtendWith(ApplicationExtension.class)
class CompareUiTest {
    static final Path DIGITS = Path.of("samples", "digits_cnn.onnx");
    MainViewModel vm;
    MainView view;

    @Start
    void start(Stage stage) {
        vm = new MainViewModel(new CoreServices(), RecentFiles.inMemory());
        Scene scene = AppLauncher.createScene(vm, AppLauncher.WIDTH, AppLauncher.HEIGHT);
        view = (MainView) scene.getRoot();
        stage.setScene(scene);
        stage.show();
        WindowKeeper.sizeAfterShow(stage, AppLauncher.WIDTH, AppLauncher.HEIGHT);
    }

    @Test
    void compareShowsBothGraphsAndPansThemTogether(FxRobot robot) throws Exception {
        ToggleButton toggle = robot.lookup("#compare-toggle").queryAs(ToggleButton.class);
        assertTrue(toggle.isDisabled(), "no pruned model yet");
        robot.interact(() -> vm.open(DIGITS));
        // the default plan (30 %) is pruned and verified live
        WaitForAsyncUtils.waitFor(90, TimeUnit.SECONDS, () -> vm.prune().prunedProperty().get() != null
                && vm.prune().prunedProperty().get().verified());
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(toggle.isDisabled());
        robot.clickOn("#compare-toggle");
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> vm.compare().comparisonProperty().get() != null);
        WaitForAsyncUtils.waitForFxEvents();
        CompareView cv = robot.lookup("#compare-view").queryAs(CompareView.class);
        assertSame(cv, view.compareView());
        assertNotNull(cv.getScene());
        GraphCanvasView a = robot.lookup("#compare-original").queryAs(GraphCanvasView.class);
        GraphCanvasView b = robot.lookup("#compare-pruned").queryAs(GraphCanvasView.class);
        assertTrue(a.getWidth() > 200 && b.getWidth() > 200, a.getWidth() + " / " + b.getWidth());
        assertTrue(a.isVisible() && b.isVisible());
        assertFalse(cv.table().getItems().isEmpty());
        assertTrue(robot.lookup("#compare-status").queryLabeled().getText().contains("MACs"));
        Thread.sleep(200);
        WaitForAsyncUtils.waitForFxEvents();

        // drag the original graph: the pruned one moves by the same amount
        GraphCanvasView.Viewport before = b.viewportProperty().get();
        assertEquals(a.viewportProperty().get(), before);
        robot.drag(a, javafx.scene.input.MouseButton.PRIMARY).moveBy(60, 90).drop();
        WaitForAsyncUtils.waitForFxEvents();
        GraphCanvasView.Viewport moved = b.viewportProperty().get();
        assertNotEquals(before, moved);
        assertEquals(a.viewportProperty().get(), moved);
        assertEquals(-60 / before.scale(), moved.x() - before.x(), 3 / before.scale());
        assertEquals(-90 / before.scale(), moved.y() - before.y(), 3 / before.scale());
        // zoom the pruned one: the original follows
        robot.interact(() -> b.zoom(1.25));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(moved.scale() * 1.25, a.viewportProperty().get().scale(), 1e-9);
        assertEquals(b.viewportProperty().get(), a.viewportProperty().get());

        // the same node's box sits at the same screen point in both
        String conv = vm.compare().rows().get(0).node();
        int ba = vm.compare().originalGraph().sceneProperty().get().boxOf(conv);
        int bb = vm.compare().prunedGraph().sceneProperty().get().boxOf(conv);
        assertEquals(a.screenOf(ba)[1], b.screenOf(bb)[1], 1e-6);

        // closing the compare view brings the panes back
        robot.clickOn("#compare-toggle");
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(view.centre().getScene() != null);
        assertTrue(cv.getScene() == null);
    }
}
