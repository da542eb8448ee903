package dev.lopper.app;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Window;

import dev.lopper.app.graph.GraphCanvasView;
import dev.lopper.app.groups.GroupsView;
import dev.lopper.app.inspector.InspectorView;
import dev.lopper.app.prune.PruneView;

/**
 * The main window: menu and toolbar on top, a welcome strip, groups on the left, the graph in the centre,
 * the inspector on the right, a status bar with progress and cancel. Builds controls and forwards gestures
 * to {@link MainViewModel}; holds no logic.
 */
public final class MainView extends BorderPane {
    private final MainViewModel vm;
    private final GraphCanvasView graphView;
    private final TextField search = new TextField();
    private final HBox welcome = new HBox(10);
    private final SplitPane centre;
    private final VBox bottom = new VBox();
    private PruneView pruneView;

    public MainView(MainViewModel vm) {
        this.vm = vm;
        getStyleClass().add("main-view");
        graphView = new GraphCanvasView(vm.graph());
        graphView.setId("graph-canvas");
        GroupsView groups = new GroupsView(vm.groups());
        groups.setId("groups-view");
        groups.setMinWidth(340);
        InspectorView inspector = new InspectorView(vm.inspector());
        inspector.setId("inspector-view");
        inspector.setMinWidth(220);
        StackPane graphPane = new StackPane(graphView);
        graphPane.getStyleClass().add("graph-pane");
        centre = new SplitPane(groups, graphPane, inspector);
        centre.setDividerPositions(0.33, 0.8);
        SplitPane.setResizableWithParent(groups, false);
        SplitPane.setResizableWithParent(inspector, false);

        VBox top = new VBox(menuBar(), toolbar(), welcome);
        buildWelcome();
        setTop(top);
        PruneView prune = new PruneView(vm.prune(), vm::reportErrorMessage);
        prune.setId("prune-view");
        groups.getChildren().add(1, prune.settingsBar());
        this.pruneView = prune;
        SplitPane vertical = new SplitPane(centre, prune);
        vertical.setOrientation(Orientation.VERTICAL);
        vertical.setDividerPositions(0.72);
        SplitPane.setResizableWithParent(prune, false);
        setCenter(vertical);
        bottom.getChildren().add(statusBar());
        setBottom(bottom);
        setupDragAndDrop();
    }

    /** Area under the graph for charts (added by the prune & evaluate feature). */
    public VBox bottomArea() { return bottom; }

    public GraphCanvasView graphView() { return graphView; }

    public PruneView pruneView() { return pruneView; }

    private MenuBar menuBar() {
        Menu file = new Menu("_File");
        MenuItem open = item("_Open…", new KeyCodeCombination(KeyCode.O, KeyCombination.SHORTCUT_DOWN), this::chooseAndOpen);
        Menu recent = new Menu("Open _Recent");
        Runnable fillRecent = () -> {
            recent.getItems().clear();
            for (Path p : vm.recent().files()) {
                MenuItem mi = new MenuItem(p.getFileName() + "  —  " + p.getParent());
                mi.setMnemonicParsing(false);
                mi.setOnAction(e -> vm.open(p));
                recent.getItems().add(mi);
            }
            recent.setDisable(recent.getItems().isEmpty());
        };
        vm.recent().files().addListener((ListChangeListener<Path>) c -> fillRecent.run());
        fillRecent.run();
        MenuItem sample = item("Open _Sample", null, vm::openSample);
        MenuItem quit = item("_Quit", new KeyCodeCombination(KeyCode.Q, KeyCombination.SHORTCUT_DOWN),
                () -> getScene().getWindow().hide());
        file.getItems().addAll(open, recent, sample, new SeparatorMenuItem(), quit);

        Menu edit = new Menu("_Edit");
        MenuItem undo = item("_Undo", new KeyCodeCombination(KeyCode.Z, KeyCombination.SHORTCUT_DOWN), vm.undo()::undo);
        undo.textProperty().bind(vm.undo().undoTextProperty());
        undo.disableProperty().bind(vm.undo().canUndoProperty().not());
        MenuItem redo = item("_Redo", new KeyCodeCombination(KeyCode.Z, KeyCombination.SHORTCUT_DOWN, KeyCombination.SHIFT_DOWN),
                vm.undo()::redo);
        redo.textProperty().bind(vm.undo().redoTextProperty());
        redo.disableProperty().bind(vm.undo().canRedoProperty().not());
        MenuItem find = item("_Find node…", new KeyCodeCombination(KeyCode.F, KeyCombination.SHORTCUT_DOWN), () -> {
            search.requestFocus();
            search.selectAll();
        });
        edit.getItems().addAll(undo, redo, new SeparatorMenuItem(), find);

        Menu view = new Menu("_View");
        view.getItems().addAll(
                item("_Fit graph", new KeyCodeCombination(KeyCode.DIGIT0, KeyCombination.SHORTCUT_DOWN), graphView::fit),
                item("Zoom _in", new KeyCodeCombination(KeyCode.EQUALS, KeyCombination.SHORTCUT_DOWN), () -> graphView.zoom(1.25)),
                item("Zoom _out", new KeyCodeCombination(KeyCode.MINUS, KeyCombination.SHORTCUT_DOWN), () -> graphView.zoom(0.8)),
                item("_Actual size", new KeyCodeCombination(KeyCode.DIGIT1, KeyCombination.SHORTCUT_DOWN), graphView::zoomToReadable));

        Menu model = new Menu("_Prune");
        model.getItems().addAll(
                item("_Prune and verify", new KeyCodeCombination(KeyCode.P, KeyCombination.SHORTCUT_DOWN), vm.prune()::pruneNow),
                item("_Evaluate (latency, accuracy)", new KeyCodeCombination(KeyCode.E, KeyCombination.SHORTCUT_DOWN),
                        () -> vm.prune().evaluate(vm.prune().evaluateRunsProperty().get())),
                item("P_rofile nodes", null, vm.prune()::profile),
                new SeparatorMenuItem(),
                item("E_xport pruned ONNX…", new KeyCodeCombination(KeyCode.E, KeyCombination.SHORTCUT_DOWN, KeyCombination.SHIFT_DOWN),
                        () -> pruneView.exportModel()),
                item("_Save plan…", new KeyCodeCombination(KeyCode.S, KeyCombination.SHORTCUT_DOWN), () -> pruneView.savePlan()),
                item("_Load plan…", new KeyCodeCombination(KeyCode.L, KeyCombination.SHORTCUT_DOWN), () -> pruneView.loadPlan()));

        Menu help = new Menu("_Help");
        help.getItems().add(item("What is a coupled group?", null, () -> info("Coupled groups",
                "A coupled group is a set of channels that must be removed together.\n\n"
                        + "A residual Add ties the channels of both branches; a Concat ties its inputs to slices of its "
                        + "output; a BatchNorm follows the Conv before it. Removing channel c removes it from every "
                        + "member at once, so the pruned model stays valid.\n\n"
                        + "Locked groups are never pruned: they touch an op Lopper has no rule for (it never guesses), "
                        + "a graph output, or a structure it cannot rewrite. The reason is in the Status column.")));
        help.getItems().add(item("Keyboard shortcuts", null, () -> info("Keyboard shortcuts",
                "Ctrl+O open · Ctrl+F find · Enter / Shift+Enter next / previous match\n"
                        + "Ctrl+P prune and verify · Ctrl+E evaluate · Ctrl+Shift+E export · Ctrl+S / Ctrl+L save / load plan\n"
                        + "Ctrl+0 fit · Ctrl+1 actual size · Ctrl+= / Ctrl+- zoom\n"
                        + "Ctrl+Z undo · Ctrl+Shift+Z redo · Esc cancel the running task\n"
                        + "Drag the graph to pan, scroll to zoom, click a node to inspect it.")));
        help.getItems().add(item("_About Lopper", null, () -> AboutDialog.show(getScene().getWindow())));
        return new MenuBar(file, edit, view, model, help);
    }

    private static MenuItem item(String text, KeyCombination key, Runnable action) {
        MenuItem mi = new MenuItem(text);
        if (key != null) mi.setAccelerator(key);
        mi.setOnAction(e -> action.run());
        return mi;
    }

    private HBox toolbar() {
        Button open = new Button("Open…");
        open.setOnAction(e -> chooseAndOpen());
        open.setTooltip(new Tooltip("Open an ONNX model (Ctrl+O); you can also drop a file on the window."));
        search.setId("search");
        search.setPromptText("Find node, tensor or op type (Ctrl+F)");
        search.setPrefColumnCount(24);
        search.textProperty().bindBidirectional(vm.graph().queryProperty());
        search.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ENTER) {
                if (e.isShiftDown()) vm.graph().previousMatch();
                else vm.graph().nextMatch();
            } else if (e.getCode() == KeyCode.ESCAPE) {
                search.clear();
                graphView.requestFocus();
            }
        });
        Label matches = new Label();
        matches.getStyleClass().add("hint");
        Runnable updateMatches = () -> {
            int n = vm.graph().matches().size();
            String q = vm.graph().queryProperty().get();
            matches.setText(q == null || q.isBlank() ? "" : n == 0 ? "no match"
                    : (vm.graph().matchIndexProperty().get() + 1) + " of " + n);
        };
        vm.graph().matches().addListener((ListChangeListener<Integer>) c -> updateMatches.run());
        vm.graph().matchIndexProperty().addListener((o, a, b) -> updateMatches.run());
        javafx.scene.control.ToggleButton collapse = new javafx.scene.control.ToggleButton("Collapse blocks");
        collapse.setId("collapse-blocks");
        collapse.setTooltip(new Tooltip("Draw each repeated block (a transformer layer, a ResNet stage block) as one box; "
                + "double-click a block to expand it."));
        collapse.setOnAction(e -> {
            if (collapse.isSelected()) vm.graph().collapseAll();
            else vm.graph().expandAll();
        });
        vm.graph().collapsedKeysProperty().addListener((o, a, b) -> collapse.setSelected(!b.isEmpty()));
        vm.graph().sceneProperty().addListener((o, a, b) -> collapse.setDisable(b == null || b.blocks().isEmpty()));
        collapse.setDisable(true);
        Button fit = new Button("Fit");
        fit.setOnAction(e -> graphView.fit());
        fit.setTooltip(new Tooltip("Show the whole graph (Ctrl+0)"));
        Button zoomIn = new Button("+");
        zoomIn.setOnAction(e -> graphView.zoom(1.25));
        Button zoomOut = new Button("−");
        zoomOut.setOnAction(e -> graphView.zoom(0.8));
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Label legend = new Label("Drag to pan · scroll to zoom · click a node");
        legend.getStyleClass().add("hint");
        HBox bar = new HBox(6, open, search, matches, spacer, legend, collapse, fit, zoomOut, zoomIn);
        bar.getStyleClass().add("toolbar");
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(5, 8, 5, 8));
        return bar;
    }

    private void buildWelcome() {
        welcome.getStyleClass().add("welcome");
        welcome.setAlignment(Pos.CENTER_LEFT);
        welcome.setPadding(new Insets(6, 10, 6, 10));
        Runnable update = () -> {
            LoadedModel m = vm.loaded();
            boolean show = m == null || SampleModel.isSample(m.path());
            welcome.setVisible(show);
            welcome.setManaged(show);
            welcome.getChildren().clear();
            Label l = new Label(m == null ? "Welcome to Lopper. Open an ONNX model to see its graph and prune it."
                    : "This is the bundled sample (a small digits CNN). Open your own model:");
            Hyperlink open = new Hyperlink("Open a model…");
            open.setOnAction(e -> chooseAndOpen());
            Label drop = new Label("or drop an .onnx file here");
            drop.getStyleClass().add("hint");
            welcome.getChildren().addAll(l, open, drop);
            List<Path> recent = vm.recent().files();
            for (int i = 0; i < Math.min(3, recent.size()); i++) {
                Path p = recent.get(i);
                if (m != null && p.equals(m.path())) continue;
                Hyperlink r = new Hyperlink(p.getFileName().toString());
                r.setTooltip(new Tooltip(p.toString()));
                r.setOnAction(e -> vm.open(p));
                welcome.getChildren().add(r);
            }
        };
        vm.loadedProperty().addListener((o, a, b) -> update.run());
        vm.recent().files().addListener((ListChangeListener<Path>) c -> update.run());
        update.run();
    }

    private HBox statusBar() {
        Label status = new Label();
        status.setId("status");
        status.textProperty().bind(vm.statusProperty());
        Label taskMessage = new Label();
        taskMessage.textProperty().bind(vm.tasks().messageProperty());
        ProgressBar bar = new ProgressBar();
        bar.setId("task-progress");
        bar.setPrefWidth(160);
        bar.progressProperty().bind(vm.tasks().progressProperty());
        Button cancel = new Button("Cancel");
        cancel.setId("cancel-task");
        cancel.setOnAction(e -> vm.tasks().cancelCurrent());
        cancel.setTooltip(new Tooltip("Stop the running task (Esc)"));
        for (javafx.scene.Node n : List.of(taskMessage, bar, cancel)) {
            n.visibleProperty().bind(vm.tasks().busyProperty());
            n.managedProperty().bind(vm.tasks().busyProperty());
        }
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox box = new HBox(8, status, spacer, taskMessage, bar, cancel);
        box.getStyleClass().add("status-bar");
        box.setAlignment(Pos.CENTER_LEFT);
        box.setPadding(new Insets(3, 8, 3, 8));
        setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ESCAPE && vm.tasks().busyProperty().get()) vm.tasks().cancelCurrent();
        });
        return box;
    }

    private void setupDragAndDrop() {
        setOnDragOver(e -> {
            if (e.getDragboard().hasFiles()) e.acceptTransferModes(TransferMode.COPY);
            e.consume();
        });
        setOnDragDropped(e -> {
            List<File> files = e.getDragboard().getFiles();
            boolean ok = files != null && !files.isEmpty();
            if (ok) vm.open(files.get(0).toPath());
            e.setDropCompleted(ok);
            e.consume();
        });
    }

    private void chooseAndOpen() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Open ONNX model");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("ONNX models", "*.onnx"),
                new FileChooser.ExtensionFilter("All files", "*.*"));
        LoadedModel m = vm.loaded();
        if (m != null && m.path().getParent() != null && m.path().getParent().toFile().isDirectory()) {
            fc.setInitialDirectory(m.path().getParent().toFile());
        }
        Window w = getScene() == null ? null : getScene().getWindow();
        File f = fc.showOpenDialog(w);
        if (f != null) vm.open(f.toPath());
    }

    private void info(String title, String text) {
        Alert a = new Alert(Alert.AlertType.INFORMATION, text);
        a.setTitle(title);
        a.setHeaderText(title);
        if (getScene() != null) a.initOwner(getScene().getWindow());
        a.show();
    }

    /** Shows an error as a dialog with its one-line reason; the window stays usable. */
    public void showError(String message) {
        Alert a = new Alert(Alert.AlertType.ERROR, message);
        a.setTitle("Lopper");
        a.setHeaderText("Something went wrong");
        a.getDialogPane().setId("error-dialog");
        if (getScene() != null) a.initOwner(getScene().getWindow());
        a.show();
    }

    public SplitPane centre() { return centre; }

    public Orientation orientation() { return centre.getOrientation(); }
}
