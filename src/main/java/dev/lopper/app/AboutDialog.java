package dev.lopper.app;

import dev.lopper.about.BuildInfo;
import javafx.scene.control.Alert;
import javafx.scene.control.TextArea;
import javafx.stage.Window;

/** Help ▸ About: the same version lines as {@code lopper --version}, and the bundled libraries with their licenses. */
final class AboutDialog {
    private AboutDialog() {}

    /** The dialog's text (also what a test checks). */
    static String text() {
        StringBuilder sb = new StringBuilder(String.join("\n", BuildInfo.versionLines()));
        sb.append("\n\nBundled libraries:\n");
        for (BuildInfo.Library l : BuildInfo.libraries()) {
            sb.append(String.format("%-46s %-8s %s  %s%n", l.artifact(), l.version(), l.license(), l.url()));
        }
        return sb.toString();
    }

    static void show(Window owner) {
        Alert a = new Alert(Alert.AlertType.INFORMATION);
        a.initOwner(owner);
        a.setTitle("About Lopper");
        a.setHeaderText("Lopper — structurally prune any ONNX model");
        TextArea area = new TextArea(text());
        area.setEditable(false);
        area.setStyle("-fx-font-family: monospace;");
        area.setPrefColumnCount(100);
        area.setPrefRowCount(22);
        a.getDialogPane().setContent(area);
        a.setResizable(true);
        a.show();
    }
}
