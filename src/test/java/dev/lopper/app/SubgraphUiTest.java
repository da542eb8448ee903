package dev.lopper.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import javafx.geometry.Point2D;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import dev.lopper.app.graph.BreadcrumbBar;
import dev.lopper.app.graph.GraphCanvasView;
import dev.lopper.app.graph.GraphScene;

/** Opening an If branch from the graph (double-click, then the branch) and back through the breadcrumb, in the real window. */
@ExtendWith(ApplicationExtension.class)
class SubgraphUiTest {
    static final Path IF_CONVS = Path.of("src", "test", "resources", "models", "if_convs_op13.onnx");
    MainViewModel vm;
    Stage stage;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        vm = new MainViewModel(new CoreServices(), RecentFiles.inMemory());
        Scene scene = AppLauncher.createScene(vm, AppLauncher.WIDTH, AppLauncher.HEIGHT);
        stage.setScene(scene);
        stage.show();
        WindowKeeper.sizeAfterShow(stage, AppLauncher.WIDTH, AppLauncher.HEIGHT);
    }

    static Point2D onScreen(GraphCanvasView canvas, int box) {
        double[] p = canvas.screenOf(box);
        return canvas.localToScreen(p[0], p[1]);
    }

    @Test
    void doubleClickOnAnIfOpensTheChosenBranchAndTheBreadcrumbLeadsBack(FxRobot robot) throws Exception {
        robot.interact(() -> vm.open(IF_CONVS));
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> vm.loaded() != null);
        WaitForAsyncUtils.waitForFxEvents();
        GraphCanvasView canvas = robot.lookup("#graph-canvas").queryAs(GraphCanvasView.class);
        BreadcrumbBar bar = robot.lookup("#breadcrumb").queryAs(BreadcrumbBar.class);
        assertFalse(bar.isVisible(), "no breadcrumb at the model's graph");
        GraphScene root = vm.graph().sceneProperty().get();
        int ifBox = root.boxOf("If_1");
        assertTrue(ifBox >= 0);

        // an If has two bodies: double-click asks which
        robot.doubleClickOn(onScreen(canvas, ifBox), MouseButton.PRIMARY);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> robot.lookup("Open then_branch").tryQuery().isPresent());
        robot.clickOn("Open then_branch");
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> vm.bodies().depth() == 1);
        WaitForAsyncUtils.waitForFxEvents();
        GraphScene body = vm.graph().sceneProperty().get();
        assertTrue(body.isBody());
        assertTrue(body.boxOf("If_1") < 0, "the body is shown, not the model's graph");
        assertEquals("Conv", body.boxes().get(body.search("Conv").get(0)).title());
        assertTrue(bar.isVisible());
        assertEquals("If_1 · then_branch", robot.lookup("#breadcrumb-current").queryAs(Label.class).getText());

        // the hover card of a box in the body, and the body drawn (its Conv is where the canvas says)
        int conv = body.search("Conv").get(0);
        robot.moveTo(onScreen(canvas, conv));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(conv, canvas.boxAtScreen(canvas.screenOf(conv)[0], canvas.screenOf(conv)[1]));

        // back through the breadcrumb: the model's graph as it was, the If selected
        robot.clickOn("#breadcrumb-0");
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> vm.bodies().depth() == 0);
        WaitForAsyncUtils.waitForFxEvents();
        assertSame(root, vm.graph().sceneProperty().get());
        assertEquals(ifBox, vm.graph().selectedBoxProperty().get());
        assertFalse(bar.isVisible());

        // the context menu opens the other branch
        robot.rightClickOn(onScreen(canvas, ifBox));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> robot.lookup("Open else_branch").tryQuery().isPresent());
        robot.clickOn("Open else_branch");
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> vm.bodies().depth() == 1);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("If_1 · else_branch", robot.lookup("#breadcrumb-current").queryAs(Label.class).getText());
        javafx.scene.control.Button up = robot.lookup("#breadcrumb-up").queryButton();
        robot.clickOn(up);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> vm.bodies().depth() == 0);
    }
}
