package dev.lopper.app;

import javafx.geometry.Orientation;
import javafx.scene.control.SplitPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.VBox;

import dev.lopper.app.graph.GraphCanvasView;
import dev.lopper.app.prune.PruneView;

/**
 * The main window's root: laid out by {@code fxml/MainWindow.fxml} (menus, toolbar, welcome strip, panes,
 * status bar; styled by lopper.css), with {@link MainController} made by the {@link ControllerFactory}
 * with the {@link MainViewModel}. Holds no logic.
 */
public final class MainView extends BorderPane {
    private final MainController controller;

    public MainView(MainViewModel vm) {
        controller = new ControllerFactory()
                .with(MainController.class, () -> new MainController(vm, this))
                .with(dev.lopper.app.sensitivity.SensitivityController.class,
                        () -> new dev.lopper.app.sensitivity.SensitivityController(vm.sensitivity()))
                .with(dev.lopper.app.sensitivity.ParetoController.class,
                        () -> new dev.lopper.app.sensitivity.ParetoController(vm.pareto()))
                .load("MainWindow", this).getController();
    }

    /** Area under the panes, above the status bar. */
    public VBox bottomArea() { return controller.bottom(); }

    public GraphCanvasView graphView() { return controller.graphView(); }

    public PruneView pruneView() { return controller.pruneView(); }

    public dev.lopper.app.compare.CompareView compareView() { return controller.compareView(); }

    /** Shows an error as a dialog with its one-line reason; the window stays usable. */
    public void showError(String message) { controller.showError(message); }

    public SplitPane centre() { return controller.centre(); }

    public Orientation orientation() { return controller.centre().getOrientation(); }
}
