package dev.lopper.app.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import dev.lopper.app.task.TaskRunner;
import dev.lopper.graph.Node;
import dev.lopper.graph.SubgraphCost;
import dev.lopper.onnx.proto.Onnx.AttributeProto;

/**
 * Opening If/Loop/Scan bodies in the graph view: a path of levels (the model's graph, then each body opened from
 * a node of the level above), shown as a breadcrumb bar. Opening a body lays it out in the background and shows it;
 * going back to a level shows its scene as it was (no new layout) and selects the node whose body was open.
 * The bodies are the graphs {@link SubgraphCost} counts, so what is drawn is what inspect counts. Free of any Stage.
 */
public final class BodyNavigator {
    /**
     * One level of the path: its breadcrumb {@code label}, its {@code scene}, and {@code openedFrom}, the node of the
     * level above whose body this is (null for the model's graph).
     */
    public record Level(String label, GraphScene scene, String openedFrom) { }

    private final GraphViewModel graph;
    private final TaskRunner tasks;
    private final Runnable afterNavigate;
    private final java.util.function.Consumer<Throwable> onError;
    private final ObservableList<Level> path = FXCollections.observableArrayList();
    private final ObservableList<Level> readOnlyPath = FXCollections.unmodifiableObservableList(path);
    private TaskRunner.Handle opening;

    /**
     * @param afterNavigate run after each change of level (the main view-model applies "hide shape ops" to the
     *                      level shown)
     * @param onError       told why a body could not be opened
     */
    public BodyNavigator(GraphViewModel graph, TaskRunner tasks, Runnable afterNavigate,
                         java.util.function.Consumer<Throwable> onError) {
        this.graph = graph;
        this.tasks = tasks;
        this.afterNavigate = afterNavigate;
        this.onError = onError;
        // a level laid out again (blocks collapsed, shape ops hidden) keeps its new scene for the way back
        graph.sceneProperty().addListener((o, a, s) -> {
            if (s == null || path.isEmpty()) return;
            Level top = path.get(path.size() - 1);
            if (top.scene() != s && top.scene().graph() == s.graph()) path.set(path.size() - 1, new Level(top.label(), s, top.openedFrom()));
        });
    }

    /** Starts again at the model's graph (a model was opened); {@code label} names it in the breadcrumb. */
    public void reset(GraphScene root, String label) {
        if (opening != null && !opening.isDone()) opening.cancel();
        if (root == null) path.clear();
        else path.setAll(List.of(new Level(label, root, null)));
    }

    /** The breadcrumb: the model's graph first, the body shown last. */
    public ObservableList<Level> path() { return readOnlyPath; }

    /** Bodies of the box's node in the level shown ("else_branch", "then_branch"; "body"), empty for other boxes. */
    public List<String> bodies(int box) {
        GraphScene s = graph.sceneProperty().get();
        if (s == null || box < 0 || box >= s.boxes().size()) return List.of();
        Node n = s.boxes().get(box).node();
        if (n == null || !n.hasSubgraphs()) return List.of();
        // the names SubgraphCost gives its bodies, without building them
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, AttributeProto> e : n.attributes().entrySet()) {
            if (e.getValue().hasG()) names.add(e.getKey());
            for (int i = 0; i < e.getValue().getGraphsCount(); i++) names.add(e.getKey() + "[" + i + "]");
        }
        names.sort(null);
        return names;
    }

    /** Opens body {@code attribute} of the box's node (laid out in the background), one level down. */
    public void open(int box, String attribute) {
        GraphScene s = graph.sceneProperty().get();
        if (s == null || !bodies(box).contains(attribute)) return;
        Node n = s.boxes().get(box).node();
        if (opening != null && !opening.isDone()) opening.cancel();
        opening = tasks.run("Opening " + n.name() + " · " + attribute, p -> {
            for (SubgraphCost.Body b : SubgraphCost.bodies(s.graph(), n)) {
                if (b.attribute().equals(attribute)) return GraphScene.buildBody(b.graph(), p);
            }
            throw new IllegalStateException("node " + n.name() + " has no body " + attribute);
        }, body -> {
            if (path.isEmpty() || path.get(path.size() - 1).scene() != graph.sceneProperty().get()) return; // moved on
            path.add(new Level(n.name() + " · " + attribute, body, n.name()));
            graph.sceneProperty().set(body);
            graph.collapsedKeysProperty().set(body.collapsed());
            afterNavigate.run();
        }, onError);
    }

    /** Goes back up to level {@code index} of {@link #path()} (0: the model's graph), selecting the node whose body was open. */
    public void goTo(int index) {
        if (index < 0 || index >= path.size() - 1) return;
        if (opening != null && !opening.isDone()) opening.cancel();
        String from = path.get(index + 1).openedFrom();
        path.remove(index + 1, path.size());
        GraphScene s = path.get(index).scene();
        graph.sceneProperty().set(s);
        graph.collapsedKeysProperty().set(s.collapsed());
        afterNavigate.run();
        graph.selectNode(from);
    }

    /** One level up; false at the model's graph. */
    public boolean up() {
        if (path.size() < 2) return false;
        goTo(path.size() - 2);
        return true;
    }

    /** Depth of the level shown: 0 at the model's graph. */
    public int depth() { return Math.max(0, path.size() - 1); }
}
