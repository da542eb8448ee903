package dev.lopper.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.MenuButton;
import javafx.scene.text.Text;
import javafx.stage.Stage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** A file name on a button is drawn as it is: JavaFX would take its first '_' for a mnemonic and drop it. */
@ExtendWith(ApplicationExtension.class)
class FileNameLabelsUiTest {
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
