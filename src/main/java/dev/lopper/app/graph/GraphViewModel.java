package dev.lopper.app.graph;

import java.util.List;
import java.util.Map;

import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import dev.lopper.graph.Node;

/**
 * State of the graph view: the laid-out scene, the selected box, the group overlay, labels of pruned
 * channel counts, and search. The view draws from this and forwards gestures here.
 */
public final class GraphViewModel {
    private final ObjectProperty<GraphScene> scene = new SimpleObjectProperty<>();
    private final IntegerProperty selectedBox = new SimpleIntegerProperty(-1);
    private final ObjectProperty<GroupOverlay> overlay = new SimpleObjectProperty<>();
    private final ObjectProperty<Map<Integer, String>> channelLabels = new SimpleObjectProperty<>(Map.of());
    /** Boxes drawn with a tint (the compare view: nodes whose channels changed). */
    private final ObjectProperty<java.util.Set<Integer>> tinted = new SimpleObjectProperty<>(java.util.Set.of());
    private final StringProperty query = new SimpleStringProperty("");
    private final ObservableList<Integer> matches = FXCollections.observableArrayList();
    private final ReadOnlyIntegerWrapper matchIndex = new ReadOnlyIntegerWrapper(-1);
    /** Repeated blocks the user wants collapsed; the main view-model lays the graph out again when it changes. */
    private final ObjectProperty<java.util.Set<String>> collapsedKeys = new SimpleObjectProperty<>(java.util.Set.of());
    private final javafx.beans.property.BooleanProperty hideShapeOps = new javafx.beans.property.SimpleBooleanProperty(false);
    /** Incremented whenever the view should bring {@link #selectedBox} into view. */
    private final ReadOnlyIntegerWrapper revealRequests = new ReadOnlyIntegerWrapper(0);

    public GraphViewModel() {
        query.addListener((o, a, b) -> runSearch());
        scene.addListener((o, a, b) -> {
            selectedBox.set(-1);
            overlay.set(null);
            channelLabels.set(Map.of());
            tinted.set(java.util.Set.of());
            runSearch();
        });
    }

    private void runSearch() {
        GraphScene s = scene.get();
        List<Integer> found = s == null ? List.of() : s.search(query.get() == null ? "" : query.get());
        matches.setAll(found);
        matchIndex.set(-1);
        if (!found.isEmpty()) showMatch(0);
    }

    /** Selects the next search match (wrapping). */
    public void nextMatch() {
        if (matches.isEmpty()) return;
        showMatch((matchIndex.get() + 1) % matches.size());
    }

    public void previousMatch() {
        if (matches.isEmpty()) return;
        showMatch((matchIndex.get() - 1 + matches.size()) % matches.size());
    }

    private void showMatch(int i) {
        matchIndex.set(i);
        select(matches.get(i));
        reveal();
    }

    public void select(int box) { selectedBox.set(box); }

    /** Collapses every repeated block (e.g. the layers of a transformer) into one box each. */
    public void collapseAll() {
        GraphScene s = scene.get();
        if (s != null) collapsedKeys.set(java.util.Set.copyOf(s.blocks().allBlocks()));
    }

    public void expandAll() { collapsedKeys.set(java.util.Set.of()); }

    /** Expands one collapsed block. */
    public void expand(String key) {
        java.util.Set<String> k = new java.util.HashSet<>(collapsedKeys.get());
        if (k.remove(key)) collapsedKeys.set(java.util.Set.copyOf(k));
    }

    public ObjectProperty<java.util.Set<String>> collapsedKeysProperty() { return collapsedKeys; }

    /** True to leave out the nodes that only compute shapes ({@link ShapeComputations}). */
    public javafx.beans.property.BooleanProperty hideShapeOpsProperty() { return hideShapeOps; }

    /** Selects the op node of that name and brings it into view. */
    public void selectNode(String nodeName) {
        GraphScene s = scene.get();
        if (s == null) return;
        int b = s.boxOf(nodeName);
        if (b >= 0) {
            select(b);
            reveal();
        }
    }

    public void reveal() { revealRequests.set(revealRequests.get() + 1); }

    /** The selected op node, or null (nothing or an input/output box is selected). */
    public Node selectedNode() {
        GraphScene s = scene.get();
        int b = selectedBox.get();
        return s == null || b < 0 ? null : s.boxes().get(b).node();
    }

    public GraphScene.Box selectedBoxInfo() {
        GraphScene s = scene.get();
        int b = selectedBox.get();
        return s == null || b < 0 ? null : s.boxes().get(b);
    }

    public ObjectProperty<GraphScene> sceneProperty() { return scene; }

    public IntegerProperty selectedBoxProperty() { return selectedBox; }

    public ObjectProperty<GroupOverlay> overlayProperty() { return overlay; }

    public ObjectProperty<Map<Integer, String>> channelLabelsProperty() { return channelLabels; }

    public ObjectProperty<java.util.Set<Integer>> tintedProperty() { return tinted; }

    public StringProperty queryProperty() { return query; }

    public ObservableList<Integer> matches() { return matches; }

    public ReadOnlyIntegerProperty matchIndexProperty() { return matchIndex.getReadOnlyProperty(); }

    public ReadOnlyIntegerProperty revealRequestsProperty() { return revealRequests.getReadOnlyProperty(); }
}
