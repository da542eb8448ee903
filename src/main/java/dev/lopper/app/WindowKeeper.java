package dev.lopper.app;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import javafx.application.Platform;
import javafx.geometry.Rectangle2D;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Dialog;
import javafx.scene.control.SplitPane;
import javafx.stage.Modality;
import javafx.stage.Screen;
import javafx.stage.Stage;
import javafx.stage.StageStyle;
import javafx.stage.Window;

/**
 * Keeps the main window as the user left it. Some window managers (openbox; JDK-8316423) map a JavaFX stage at
 * 200×200 and un-maximize it, resetting the splitters, when a modal dialog opens: the size is set after the
 * window is shown, and every dialog goes through here, which puts back maximized state, bounds and divider
 * positions when it closes. Dialogs are owned by the main window, decorated and centred on it.
 */
public final class WindowKeeper {
    private WindowKeeper() {}

    /** Sizes a shown stage to {@code width}×{@code height} (at most the screen's visual bounds) and centres it. */
    public static void sizeAfterShow(Stage stage, double width, double height) {
        Rectangle2D screen = Screen.getPrimary().getVisualBounds();
        double w = Math.min(width, screen.getWidth());
        double h = Math.min(height, screen.getHeight());
        Runnable apply = () -> {
            if (stage.isMaximized() || stage.isFullScreen()) return;
            if (Math.abs(stage.getWidth() - w) > 1 || Math.abs(stage.getHeight() - h) > 1) {
                stage.setWidth(w);
                stage.setHeight(h);
                stage.setX(screen.getMinX() + (screen.getWidth() - w) / 2);
                stage.setY(screen.getMinY() + (screen.getHeight() - h) / 2);
            }
        };
        apply.run();
        // the window manager may answer the first map with its own size: assert ours once more after it did
        Platform.runLater(apply);
    }

    /** The window's state at one moment. */
    public record State(Stage stage, boolean maximized, double x, double y, double w, double h,
                        List<SplitPane> panes, List<double[]> dividers) {
        public static State of(Window window) {
            if (!(window instanceof Stage st)) return null;
            List<SplitPane> panes = new ArrayList<>();
            if (st.getScene() != null) collect(st.getScene().getRoot(), panes);
            List<double[]> dividers = new ArrayList<>();
            for (SplitPane p : panes) dividers.add(p.getDividerPositions().clone());
            return new State(st, st.isMaximized(), st.getX(), st.getY(), st.getWidth(), st.getHeight(), panes, dividers);
        }

        /** Puts the state back now and once more after pending events (the window manager answers late). */
        public void restore() {
            apply();
            Platform.runLater(this::apply);
        }

        private void apply() {
            if (maximized) {
                if (!stage.isMaximized()) stage.setMaximized(true);
            } else if (stage.getWidth() != w || stage.getHeight() != h) {
                stage.setX(x);
                stage.setY(y);
                stage.setWidth(w);
                stage.setHeight(h);
            }
            for (int i = 0; i < panes.size(); i++) {
                double[] now = panes.get(i).getDividerPositions();
                double[] was = dividers.get(i);
                if (!java.util.Arrays.equals(now, was)) panes.get(i).setDividerPositions(was);
            }
        }
    }

    private static void collect(Node n, List<SplitPane> out) {
        if (n instanceof SplitPane sp) {
            out.add(sp);
            for (Node c : sp.getItems()) collect(c, out);
        } else if (n instanceof Parent p) {
            for (Node c : p.getChildrenUnmodifiable()) collect(c, out);
        }
    }

    /** Runs a blocking dialog (a file chooser) and restores the window afterwards. */
    public static <T> T keep(Window owner, Supplier<T> dialog) {
        State s = State.of(owner);
        try {
            return dialog.get();
        } finally {
            if (s != null) s.restore();
        }
    }

    /** Shows a dialog owned by {@code owner}, decorated, centred on it; the window is restored when it closes. */
    public static void show(Dialog<?> d, Window owner) {
        if (owner != null) {
            d.initOwner(owner);
            d.initModality(Modality.WINDOW_MODAL);
        }
        d.initStyle(StageStyle.DECORATED);
        State s = State.of(owner);
        d.setOnShown(e -> {
            if (owner != null) {
                Window dw = d.getDialogPane().getScene().getWindow();
                dw.setX(owner.getX() + Math.max(0, (owner.getWidth() - dw.getWidth()) / 2));
                dw.setY(owner.getY() + Math.max(0, (owner.getHeight() - dw.getHeight()) / 3));
            }
        });
        d.setOnHidden(e -> { if (s != null) s.restore(); });
        d.show();
    }
}
