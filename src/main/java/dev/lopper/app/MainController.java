package dev.lopper.app;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import javafx.collections.ListChangeListener;
import javafx.fxml.FXML;
import javafx.scene.control.Alert;
import javafx.scene.control.Dialog;
import javafx.scene.control.DialogPane;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Button;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.HBox;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Window;

import dev.lopper.app.graph.GraphCanvasView;
import dev.lopper.app.groups.GroupsView;
import dev.lopper.app.inspector.InspectorView;
import dev.lopper.app.prune.PruneView;

/**
 * Controller of {@code MainWindow.fxml}, created by {@link ControllerFactory} with its {@link MainViewModel}:
 * binds the window's bars to the view-model, places the Java controls (groups table, graph canvas, inspector,
 * charts) into their panes and forwards menu and toolbar actions. No logic of its own.
 */
public final class MainController {
    /** Width at which the groups table shows every column unabridged (the sum of their preferred widths, with Damage). */
    static final double GROUPS_WIDTH = 700;
    static final double INSPECTOR_WIDTH = 260;

    private final MainViewModel vm;
    private final MainView root;
    @FXML private Menu recentMenu;
    @FXML private MenuItem undoItem;
    @FXML private MenuItem redoItem;
    @FXML private TextField search;
    @FXML private Label matches;
    @FXML private ToggleButton collapse;
    @FXML private ToggleButton hideShapes;
    @FXML private ToggleButton compareToggle;
    @FXML private HBox welcome;
    @FXML private SplitPane vertical;
    @FXML private SplitPane centre;
    @FXML private StackPane groupsSlot;
    @FXML private StackPane graphPane;
    @FXML private StackPane inspectorSlot;
    @FXML private StackPane pruneSlot;
    @FXML private javafx.scene.control.TabPane bottomTabs;
    @FXML private VBox bottom;
    @FXML private Label status;
    @FXML private Label taskMessage;
    @FXML private ProgressBar taskProgress;
    @FXML private Button cancelTask;
    private GraphCanvasView graphView;
    private PruneView pruneView;
    private dev.lopper.app.compare.CompareView compareView;

    public MainController(MainViewModel vm, MainView root) {
        this.vm = vm;
        this.root = root;
    }

    @FXML
    private void initialize() {
        graphView = new GraphCanvasView(vm.graph());
        graphView.setId("graph-canvas");
        graphView.setBodyNavigator(vm.bodies());
        dev.lopper.app.graph.BreadcrumbBar breadcrumb = new dev.lopper.app.graph.BreadcrumbBar(vm.bodies());
        breadcrumb.setId("breadcrumb");
        graphPane.getChildren().add(new javafx.scene.layout.BorderPane(graphView, breadcrumb, null, null, null));
        GroupsView groups = new GroupsView(vm.groups());
        groups.setId("groups-view");
        groupsSlot.getChildren().add(groups);
        groupsSlot.setMinWidth(340);
        InspectorView inspector = new InspectorView(vm.inspector());
        inspector.setId("inspector-view");
        inspectorSlot.getChildren().add(inspector);
        inspectorSlot.setMinWidth(220);
        SplitPane.setResizableWithParent(groupsSlot, false);
        SplitPane.setResizableWithParent(inspectorSlot, false);
        // once the window has its size: the groups pane as wide as its table, the inspector 260 px
        centre.widthProperty().addListener(new javafx.beans.value.ChangeListener<>() {
            @Override
            public void changed(javafx.beans.value.ObservableValue<? extends Number> o, Number a, Number w) {
                if (w.doubleValue() < 900) return;
                double width = w.doubleValue();
                centre.setDividerPositions(Math.min(GROUPS_WIDTH, 0.45 * width) / width, 1 - INSPECTOR_WIDTH / width);
                centre.widthProperty().removeListener(this);
            }
        });
        pruneView = new PruneView(vm.prune(), vm::reportErrorMessage);
        pruneView.setId("prune-view");
        groups.getChildren().add(1, pruneView.settingsBar());
        pruneSlot.getChildren().add(pruneView);
        SplitPane.setResizableWithParent(bottomTabs, false);

        // the compare view takes the place of the three panes while shown
        compareView = new dev.lopper.app.compare.CompareView(vm.compare());
        compareView.setId("compare-view");
        compareToggle.disableProperty().bind(vm.compare().availableProperty().not().and(compareToggle.selectedProperty().not()));
        compareToggle.selectedProperty().bindBidirectional(vm.compare().shownProperty());
        vm.compare().shownProperty().addListener((o, a, on) -> {
            double[] d = vertical.getDividerPositions();
            vertical.getItems().set(0, on ? compareView : centre);
            vertical.setDividerPositions(d);
        });

        vm.recent().files().addListener((ListChangeListener<Path>) c -> fillRecent());
        fillRecent();
        undoItem.textProperty().bind(vm.undo().undoTextProperty());
        undoItem.disableProperty().bind(vm.undo().canUndoProperty().not());
        redoItem.textProperty().bind(vm.undo().redoTextProperty());
        redoItem.disableProperty().bind(vm.undo().canRedoProperty().not());

        search.textProperty().bindBidirectional(vm.graph().queryProperty());
        hideShapes.selectedProperty().bindBidirectional(vm.graph().hideShapeOpsProperty());
        vm.graph().matches().addListener((ListChangeListener<Integer>) c -> updateMatches());
        vm.graph().matchIndexProperty().addListener((o, a, b) -> updateMatches());
        vm.graph().collapsedKeysProperty().addListener((o, a, b) -> collapse.setSelected(!b.isEmpty()));
        vm.graph().sceneProperty().addListener((o, a, b) -> collapse.setDisable(b == null || b.blocks().isEmpty()));

        vm.loadedProperty().addListener((o, a, b) -> updateWelcome());
        vm.recent().files().addListener((ListChangeListener<Path>) c -> updateWelcome());
        updateWelcome();

        status.textProperty().bind(vm.statusProperty());
        taskMessage.textProperty().bind(vm.tasks().messageProperty());
        taskProgress.progressProperty().bind(vm.tasks().progressProperty());
        for (javafx.scene.Node n : List.of(taskMessage, taskProgress, cancelTask)) {
            n.visibleProperty().bind(vm.tasks().busyProperty());
            n.managedProperty().bind(vm.tasks().busyProperty());
        }
        root.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ESCAPE && vm.tasks().busyProperty().get()) vm.tasks().cancelCurrent();
        });
        root.setOnDragOver(e -> {
            if (e.getDragboard().hasFiles()) e.acceptTransferModes(TransferMode.COPY);
            e.consume();
        });
        root.setOnDragDropped(e -> {
            List<File> files = e.getDragboard().getFiles();
            boolean ok = files != null && !files.isEmpty();
            if (ok) vm.open(files.get(0).toPath());
            e.setDropCompleted(ok);
            e.consume();
        });
    }

    private void fillRecent() {
        recentMenu.getItems().clear();
        for (Path p : vm.recent().files()) {
            MenuItem mi = new MenuItem(p.getFileName() + "  —  " + p.getParent());
            mi.setMnemonicParsing(false);
            mi.setOnAction(e -> vm.open(p));
            recentMenu.getItems().add(mi);
        }
        recentMenu.setDisable(recentMenu.getItems().isEmpty());
    }

    private void updateMatches() {
        int n = vm.graph().matches().size();
        String q = vm.graph().queryProperty().get();
        matches.setText(q == null || q.isBlank() ? "" : n == 0 ? "no match"
                : (vm.graph().matchIndexProperty().get() + 1) + " of " + n);
    }

    private void updateWelcome() {
        LoadedModel m = vm.loaded();
        boolean show = m == null || SampleModel.isSample(m.path());
        welcome.setVisible(show);
        welcome.setManaged(show);
        welcome.getChildren().clear();
        Label l = new Label(m == null ? "Welcome to Lopper. Open an ONNX model to see its graph and prune it."
                : "This is the bundled sample (a small digits CNN). Open your own model:");
        Hyperlink open = new Hyperlink("Open a model…");
        open.setOnAction(e -> open());
        Label drop = new Label("or drop an .onnx file here");
        drop.getStyleClass().add("hint");
        welcome.getChildren().addAll(l, open, drop);
        List<Path> recent = vm.recent().files();
        for (int i = 0; i < Math.min(3, recent.size()); i++) {
            Path p = recent.get(i);
            if (m != null && p.equals(m.path())) continue;
            Hyperlink r = new Hyperlink(p.getFileName().toString());
            r.setMnemonicParsing(false); // "digits_cnn.onnx" keeps its underscore
            r.setTooltip(new Tooltip(p.toString()));
            r.setOnAction(e -> vm.open(p));
            welcome.getChildren().add(r);
        }
    }

    private Window window() { return root.getScene() == null ? null : root.getScene().getWindow(); }

    // ---------------------------------------------------------------- actions (FXML onAction)

    @FXML
    void open() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Open ONNX model");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("ONNX models", "*.onnx"),
                new FileChooser.ExtensionFilter("All files", "*.*"));
        LoadedModel m = vm.loaded();
        if (m != null && m.path().getParent() != null && m.path().getParent().toFile().isDirectory()) {
            fc.setInitialDirectory(m.path().getParent().toFile());
        }
        Window w = window();
        File f = WindowKeeper.keep(w, () -> fc.showOpenDialog(w));
        if (f != null) vm.open(f.toPath());
    }

    @FXML void openSample() { vm.openSample(); }

    @FXML void quit() { if (window() != null) window().hide(); }

    @FXML void undo() { vm.undo().undo(); }

    @FXML void redo() { vm.undo().redo(); }

    @FXML
    void find() {
        search.requestFocus();
        search.selectAll();
    }

    @FXML void fit() { graphView.fit(); }

    @FXML void zoomIn() { graphView.zoom(1.25); }

    @FXML void zoomOut() { graphView.zoom(0.8); }

    @FXML void actualSize() { graphView.zoomToReadable(); }

    @FXML void prune() { vm.prune().pruneNow(); }

    @FXML void evaluate() { vm.prune().evaluate(vm.prune().evaluateRunsProperty().get()); }

    @FXML void profile() { vm.prune().profile(); }

    @FXML void exportModel() { pruneView.exportModel(); }

    @FXML void savePlan() { pruneView.savePlan(); }

    @FXML void loadPlan() { pruneView.loadPlan(); }

    @FXML void helpGroups() { showDialog("HelpGroups", "Coupled groups"); }

    @FXML void helpShortcuts() { showDialog("HelpShortcuts", "Keyboard shortcuts"); }

    @FXML void about() { AboutDialog.show(window()); }

    @FXML void cancelTask() { vm.tasks().cancelCurrent(); }

    @FXML
    void toggleCollapse() {
        if (collapse.isSelected()) vm.graph().collapseAll();
        else vm.graph().expandAll();
    }

    @FXML
    void searchKey(KeyEvent e) {
        if (e.getCode() == KeyCode.ENTER) {
            if (e.isShiftDown()) vm.graph().previousMatch();
            else vm.graph().nextMatch();
        } else if (e.getCode() == KeyCode.ESCAPE) {
            search.clear();
            graphView.requestFocus();
        }
    }

    private void showDialog(String view, String title) {
        Dialog<Object> d = new Dialog<>();
        d.setTitle(title);
        d.setDialogPane(ControllerFactory.<DialogPane>loadView(view));
        WindowKeeper.show(d, window());
    }

    /** Shows an error as a dialog with its one-line reason; the window stays usable. */
    void showError(String message) {
        Alert a = new Alert(Alert.AlertType.ERROR);
        DialogPane pane = ControllerFactory.loadView("ErrorDialog");
        pane.setContentText(message);
        a.setDialogPane(pane);
        a.setTitle("Lopper");
        WindowKeeper.show(a, window());
    }

    GraphCanvasView graphView() { return graphView; }

    PruneView pruneView() { return pruneView; }

    dev.lopper.app.compare.CompareView compareView() { return compareView; }

    SplitPane centre() { return centre; }

    VBox bottom() { return bottom; }
}
