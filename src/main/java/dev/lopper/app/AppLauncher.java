package dev.lopper.app;

import javafx.application.Application;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.stage.Stage;

/** Starts the JavaFX application (kept apart from Main so the CLI never loads JavaFX classes). */
public final class AppLauncher {
    private AppLauncher() {}

    public static void launch(String[] args) {
        Application.launch(LopperApp.class, args);
    }

    /** Minimal window until the full application lands. */
    public static final class LopperApp extends Application {
        @Override
        public void start(Stage stage) {
            stage.setTitle("Lopper");
            stage.setScene(new Scene(new Label("Lopper"), 640, 400));
            stage.show();
        }
    }
}
