package dev.lopper.app;

import java.nio.file.Path;
import java.util.Optional;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;

import dev.lopper.app.graph.GraphScene;
import dev.lopper.app.graph.GraphViewModel;
import dev.lopper.app.groups.GroupsViewModel;
import dev.lopper.app.inspector.InspectorViewModel;
import dev.lopper.app.prune.PruneViewModel;
import dev.lopper.app.task.TaskRunner;
import dev.lopper.graph.ModelGraph;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;

/**
 * The main window's state: the open model, loading in the background, errors as one line, recent files,
 * and the feature view-models (graph, inspector, groups). Testable without a Stage.
 */
public final class MainViewModel {
    private final ModelServices services;
    private final UndoStack undo = new UndoStack();
    private final TaskRunner tasks;
    private final RecentFiles recent;
    private final ReadOnlyObjectWrapper<LoadedModel> loaded = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyStringWrapper title = new ReadOnlyStringWrapper("Lopper");
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("");
    /** The last error, one line; set to null first so the same error twice is still reported. */
    private final ObjectProperty<String> error = new SimpleObjectProperty<>();
    private final GraphViewModel graph = new GraphViewModel();
    private final InspectorViewModel inspector;
    private final GroupsViewModel groups;
    private final PruneViewModel prune;
    private final dev.lopper.app.compare.CompareViewModel compare;
    private final dev.lopper.app.sensitivity.SensitivityViewModel sensitivity;
    private final dev.lopper.app.sensitivity.ParetoViewModel pareto;
    private final dev.lopper.app.graph.BodyNavigator bodies;
    private TaskRunner.Handle loading;

    public MainViewModel(ModelServices services, RecentFiles recent) {
        this(services, recent, dev.lopper.app.task.FxTaskRunner::new);
    }

    /** With the given kind of task runner ({@link dev.lopper.app.task.DirectTaskRunner} in view-model tests). */
    public MainViewModel(ModelServices services, RecentFiles recent, java.util.function.Supplier<TaskRunner> runners) {
        this.services = services;
        this.recent = recent;
        this.tasks = runners.get();
        // the inspector's statistics run quietly (their own runner): they must not take over the status bar's Cancel
        this.inspector = new InspectorViewModel(graph, runners.get());
        this.groups = new GroupsViewModel(services, tasks, graph, undo);
        inspector.groupsOfNodeProperty().set(groups::groupsOfNode);
        groups.groupsProperty().addListener((o, a, b) -> inspector.refresh());
        this.prune = new PruneViewModel(services, tasks, groups, graph, undo);
        inspector.profileMillisProperty().bind(prune.profileMillisProperty());
        this.compare = new dev.lopper.app.compare.CompareViewModel(services, tasks, loaded.getReadOnlyProperty(),
                prune.prunedProperty(), prune.inputsProperty(), graph.collapsedKeysProperty());
        inspector.groupExplanationProperty().bind(groups.explanationProperty());
        var ss = services instanceof dev.lopper.app.sensitivity.SensitivityServices x ? x : new CoreServices();
        this.sensitivity = new dev.lopper.app.sensitivity.SensitivityViewModel(ss, tasks, groups, prune);
        this.pareto = new dev.lopper.app.sensitivity.ParetoViewModel(ss, tasks, groups, prune);
        this.bodies = new dev.lopper.app.graph.BodyNavigator(graph, tasks, this::relayout, this::reportError);
        graph.collapsedKeysProperty().addListener((o, a, keys) -> relayout());
        graph.hideShapeOpsProperty().addListener((o, a, b) -> relayout());
        loaded.addListener((o, a, m) -> {
            graph.sceneProperty().set(m == null ? null : m.scene());
            bodies.reset(m == null ? null : m.scene(), m == null ? "" : m.path().getFileName().toString());
            title.set(m == null ? "Lopper" : m.path().getFileName() + " — Lopper");
            groups.setModel(m);
            graph.collapsedKeysProperty().set(java.util.Set.of());
            relayout();
        });
    }

    /** Opens a model in the background; on failure the current model stays and {@link #errorProperty()} says why. */
    public void open(Path file) {
        if (loading != null && !loading.isDone()) loading.cancel();
        Path path = file.toAbsolutePath().normalize();
        status.set("Opening " + path.getFileName() + " …");
        loading = tasks.run("Opening " + path.getFileName(), p -> {
            long t0 = System.nanoTime();
            p.update("Reading " + path.getFileName(), 0, 3);
            OnnxModel model = OnnxModel.read(path);
            p.checkCancelled();
            ModelGraph g;
            String note = "";
            try {
                g = services.loadGraph(model, p);
            } catch (RuntimeException e) {
                if (e instanceof dev.lopper.task.CancelledException) throw e;
                // keep the model viewable: the graph as stored, with the reason standardization failed
                g = ModelGraph.raw(model);
                note = " · standardization failed (" + oneLine(e) + "), showing the graph as stored";
            }
            p.checkCancelled();
            p.update("Laying out " + g.nodes().size() + " nodes", 1, 3);
            GraphScene scene = GraphScene.build(g, p);
            return new LoadedModel(path, model, g, scene, (System.nanoTime() - t0) / 1_000_000, note);
        }, m -> {
            loaded.set(m);
            if (!m.path().startsWith(SampleModel.extractedDir())) recent.add(m.path());
            status.set(m.graph().nodes().size() + " nodes · opened in " + m.loadMillis() + " ms" + m.note());
        }, ex -> {
            status.set("Could not open " + path.getFileName());
            reportError(ex);
        });
    }

    private TaskRunner.Handle relayouting;

    /**
     * Lays the graph shown (the model's or an open body) out again with the blocks collapsed and shape computations
     * hidden as asked, keeping the selection.
     */
    private void relayout() {
        java.util.Set<String> keys = graph.collapsedKeysProperty().get();
        LoadedModel m = loaded.get();
        GraphScene current = graph.sceneProperty().get();
        if (m == null || current == null) return;
        java.util.Set<String> hidden = graph.hideShapeOpsProperty().get()
                ? dev.lopper.app.graph.ShapeComputations.find(current.graph()) : java.util.Set.of();
        if (current.collapsed().equals(keys) && current.hidden().equals(hidden)) return;
        if (relayouting != null && !relayouting.isDone()) relayouting.cancel();
        GraphScene.Box sel = graph.selectedBoxInfo();
        String selectedName = sel == null ? null : sel.name();
        relayouting = tasks.run(keys.isEmpty() ? "Expanding blocks" : "Collapsing repeated blocks",
                p -> GraphScene.build(current.graph(), current.blocks(), keys, hidden, current.isBody(), p), scene -> {
                    if (loaded.get() != m || graph.sceneProperty().get() != current) return;
                    graph.sceneProperty().set(scene);
                    if (selectedName != null) {
                        int b = scene.boxOf(selectedName);
                        if (b >= 0) graph.select(b);
                    }
                }, this::reportError);
    }

    /** Opens the bundled sample; false when this build has none. */
    public boolean openSample() {
        Optional<Path> p = SampleModel.locate();
        p.ifPresent(this::open);
        if (p.isEmpty()) status.set("Open an ONNX model (File › Open, or drop it here)");
        return p.isPresent();
    }

    public void reportErrorMessage(String message) {
        error.set(null);
        error.set(message);
    }

    public void reportError(Throwable ex) {
        error.set(null);
        error.set(oneLine(ex));
    }

    /** The one-line reason shown to users for a failure. */
    public static String oneLine(Throwable ex) {
        if (ex instanceof ModelLoadException) return ex.getMessage();
        String m = ex.getMessage();
        if (m == null || m.isBlank()) return ex.getClass().getSimpleName();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    public ReadOnlyObjectProperty<LoadedModel> loadedProperty() { return loaded.getReadOnlyProperty(); }

    public LoadedModel loaded() { return loaded.get(); }

    public ReadOnlyStringProperty titleProperty() { return title.getReadOnlyProperty(); }

    public ReadOnlyStringProperty statusProperty() { return status.getReadOnlyProperty(); }

    public ObjectProperty<String> errorProperty() { return error; }

    public TaskRunner tasks() { return tasks; }

    public UndoStack undo() { return undo; }

    public RecentFiles recent() { return recent; }

    public GraphViewModel graph() { return graph; }

    public InspectorViewModel inspector() { return inspector; }

    public GroupsViewModel groups() { return groups; }

    public PruneViewModel prune() { return prune; }

    public dev.lopper.app.compare.CompareViewModel compare() { return compare; }

    public dev.lopper.app.sensitivity.SensitivityViewModel sensitivity() { return sensitivity; }

    public dev.lopper.app.sensitivity.ParetoViewModel pareto() { return pareto; }

    /** Opening If/Loop/Scan bodies in the graph view, with the breadcrumb back. */
    public dev.lopper.app.graph.BodyNavigator bodies() { return bodies; }
}
