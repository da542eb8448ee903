package dev.lopper.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.CheckBox;
import javafx.scene.control.MenuButton;
import javafx.scene.control.Spinner;
import javafx.scene.text.Text;
import javafx.stage.Stage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import dev.lopper.prune.PruningSettings;

/**
 * The prune bar, headless: the Round-to control offers "auto" (--round-to auto), Export offers "Allow slower"
 * (--allow-slower), and a file name on a button is drawn as it is (JavaFX would take its first '_' for a mnemonic).
 */
@ExtendWith(ApplicationExtension.class)
class PruneBarUiTest {
    MainViewModel vm;

    @Start
    void start(Stage stage) {
        vm = new MainViewModel(new CoreServices(), RecentFiles.inMemory());
        Scene scene = AppLauncher.createScene(vm, AppLauncher.WIDTH, AppLauncher.HEIGHT);
        stage.setScene(scene);
        stage.show();
        WindowKeeper.sizeAfterShow(stage, AppLauncher.WIDTH, AppLauncher.HEIGHT);
    }

    @Test
    void roundToShowsAndTakesAuto(FxRobot robot) {
        @SuppressWarnings("unchecked")
        Spinner<Integer> spinner = robot.lookup("#roundTo").queryAs(Spinner.class);
        assertEquals(String.valueOf(PruningSettings.DEFAULT_ROUND_TO), spinner.getEditor().getText());
        // below 1 is auto, shown as the CLI spells it
        robot.interact(() -> spinner.decrement(PruningSettings.DEFAULT_ROUND_TO));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(PruningSettings.ROUND_TO_AUTO, vm.prune().roundToProperty().get());
        assertEquals("auto", spinner.getEditor().getText());
        // typed: a number, then "auto"; nonsense keeps the value
        robot.interact(() -> { spinner.getEditor().setText("16"); spinner.commitValue(); });
        assertEquals(16, vm.prune().roundToProperty().get());
        robot.interact(() -> { spinner.getEditor().setText("Auto"); spinner.commitValue(); });
        assertEquals(PruningSettings.ROUND_TO_AUTO, vm.prune().roundToProperty().get());
        robot.interact(() -> { spinner.getEditor().setText("x"); spinner.commitValue(); });
        assertEquals(PruningSettings.ROUND_TO_AUTO, vm.prune().roundToProperty().get());
        // the view-model's value shows in the control
        robot.interact(() -> vm.prune().setRoundTo(4));
        assertEquals("4", spinner.getEditor().getText());
    }

    @Test
    void allowSlowerIsTheViewModelsSetting(FxRobot robot) {
        CheckBox box = robot.lookup("#allowSlower").queryAs(CheckBox.class);
        assertFalse(box.isSelected());
        assertFalse(vm.prune().allowSlowerProperty().get());
        robot.interact(box::fire);
        assertTrue(vm.prune().allowSlowerProperty().get());
    }

    @Test
    void theCalibrationButtonShowsTheFileNameWithItsUnderscores(FxRobot robot) {
        robot.interact(() -> vm.prune().setCalibration(Path.of("samples/digits_test.csv")));
        WaitForAsyncUtils.waitForFxEvents();
        MenuButton b = robot.lookup("#calibration").queryAs(MenuButton.class);
        List<String> drawn = new ArrayList<>();
        texts(b, drawn);
        assertTrue(drawn.stream().anyMatch(t -> t.contains("digits_test.csv")), "drawn: " + drawn);
    }

    private static void texts(Node n, List<String> out) {
        if (n instanceof Text t) out.add(t.getText());
        if (n instanceof Parent p) for (Node c : p.getChildrenUnmodifiable()) texts(c, out);
    }
}
