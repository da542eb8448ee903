package dev.lopper.app.groups;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.transformation.FilteredList;
import javafx.collections.transformation.SortedList;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.Member;
import dev.lopper.app.LoadedModel;
import dev.lopper.app.ModelServices;
import dev.lopper.app.UndoStack;
import dev.lopper.app.graph.GraphScene;
import dev.lopper.app.graph.GraphViewModel;
import dev.lopper.app.graph.GroupOverlay;
import dev.lopper.app.task.TaskRunner;
import dev.lopper.graph.ModelGraph;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * The coupled groups of the open model (computed in the background by the core analysis), filtering,
 * the selected group (shown on the graph), the global pruning ratio and per-group overrides; every
 * setting change goes through the undo stack.
 */
public final class GroupsViewModel {
    private final ModelServices services;
    private final TaskRunner tasks;
    private final GraphViewModel graph;
    private final UndoStack undo;
    private final ObservableList<GroupRow> rows = FXCollections.observableArrayList();
    private final FilteredList<GroupRow> visibleRows = new FilteredList<>(rows, r -> true);
    private final SortedList<GroupRow> sortedRows = new SortedList<>(visibleRows);
    private final StringProperty filter = new SimpleStringProperty("");
    private final BooleanProperty prunableOnly = new SimpleBooleanProperty(false);
    private final ObjectProperty<GroupRow> selected = new SimpleObjectProperty<>();
    private final DoubleProperty globalRatio = new SimpleDoubleProperty(0.3);
    private final javafx.beans.property.ReadOnlyBooleanWrapper analysed = new javafx.beans.property.ReadOnlyBooleanWrapper(false);
    private final ReadOnlyStringWrapper summary = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper unavailable = new ReadOnlyStringWrapper(null);
    private final ObjectProperty<List<CoupledGroup>> groups = new SimpleObjectProperty<>(List.of());
    private final ObjectProperty<List<String>> explanation = new SimpleObjectProperty<>(List.of());
    private ModelServices.GroupsResult result;
    private Map<String, List<String>> groupsByNode = Map.of();
    private LoadedModel model;
    private TaskRunner.Handle analysis;

    public GroupsViewModel(ModelServices services, TaskRunner tasks, GraphViewModel graph, UndoStack undo) {
        this.services = services;
        this.tasks = tasks;
        this.graph = graph;
        this.undo = undo;
        filter.addListener((o, a, b) -> refilter());
        prunableOnly.addListener((o, a, b) -> refilter());
        selected.addListener((o, a, b) -> showOnGraph(b));
        graph.sceneProperty().addListener((o, a, b) -> showOnGraph(selected.get()));
    }

    /** Called when a model is opened: analyses it in the background. */
    public void setModel(LoadedModel m) {
        if (analysis != null && !analysis.isDone()) analysis.cancel();
        model = m;
        rows.clear();
        selected.set(null);
        groups.set(List.of());
        result = null;
        groupsByNode = Map.of();
        unavailable.set(null);
        undo.clear();
        analysed.set(false);
        summary.set(m == null ? "" : "Finding coupled groups…");
        if (m == null) return;
        analysis = tasks.run("Finding coupled groups", p -> services.analyze(m.graph(), p), result -> {
            if (model != m) return;
            if (!result.available()) {
                unavailable.set(result.unavailableReason());
                summary.set("Groups unavailable: " + result.unavailableReason());
            } else {
                this.result = result;
                setGroups(m.graph(), result.groups());
            }
            analysed.set(true);
        }, ex -> {
            if (model != m) return;
            unavailable.set(ex.getMessage());
            summary.set("Group analysis failed: " + ex.getMessage());
            analysed.set(true);
        });
    }

    void setGroups(ModelGraph g, List<CoupledGroup> found) {
        long totalParams = 0;
        for (TensorProto t : g.constants().values()) {
            long n = 1;
            for (long d : t.getDimsList()) n *= d;
            totalParams += n;
        }
        long totalMacs = 0;
        for (CoupledGroup c : found) totalMacs += c.macsPerChannel() * c.channels();
        List<GroupRow> made = new ArrayList<>();
        Map<String, List<String>> byNode = new HashMap<>();
        int prunable = 0;
        for (CoupledGroup c : found) {
            double ps = totalParams == 0 ? 0 : c.paramsPerChannel() * (double) c.channels() / totalParams;
            double ms = totalMacs == 0 ? 0 : c.macsPerChannel() * (double) c.channels() / totalMacs;
            made.add(new GroupRow(c, ps, ms, globalRatio));
            if (c.isPrunable()) prunable++;
            for (Member mem : c.members()) {
                List<String> l = byNode.computeIfAbsent(mem.node(), k -> new ArrayList<>());
                String line = c.id() + " · " + c.channels() + " ch · " + (c.isPrunable() ? "prunable" : "locked: " + String.join("; ", c.lockReasons()));
                if (!l.contains(line)) l.add(line);
            }
        }
        groupsByNode = byNode;
        rows.setAll(made);
        groups.set(List.copyOf(found));
        summary.set(found.size() + " groups · " + prunable + " prunable · " + (found.size() - prunable) + " locked");
    }

    private void refilter() {
        String q = filter.get() == null ? "" : filter.get().trim().toLowerCase(Locale.ROOT);
        boolean only = prunableOnly.get();
        visibleRows.setPredicate(r -> (!only || r.isPrunable()) && (q.isEmpty() || matches(r, q)));
    }

    private static boolean matches(GroupRow r, String q) {
        if (r.id().toLowerCase(Locale.ROOT).contains(q) || GroupNames.readable(r.id()).toLowerCase(Locale.ROOT).contains(q)
                || r.reason().toLowerCase(Locale.ROOT).contains(q)) return true;
        for (Member m : r.group().members()) {
            if (m.node().toLowerCase(Locale.ROOT).contains(q) || m.tensor().toLowerCase(Locale.ROOT).contains(q)) return true;
        }
        return false;
    }

    /** Redraws the selected group's marks (after importance changed). */
    public void refreshOverlay() { showOnGraph(selected.get()); }

    /** Marks the group's member nodes on the graph, tinted by importance. */
    private void showOnGraph(GroupRow r) {
        GraphScene s = graph.sceneProperty().get();
        // groups are the model graph's: an open If/Loop/Scan body (its own node names) shows none
        if (r == null || s == null || s.isBody()) {
            graph.overlayProperty().set(null);
            explanation.set(List.of());
            return;
        }
        double max = 0;
        for (GroupRow o : rows) if (!Double.isNaN(o.meanImportance())) max = Math.max(max, o.meanImportance());
        double heat = max > 0 ? r.meanImportance() / max : Double.NaN;
        Map<Integer, Double> boxes = new LinkedHashMap<>();
        for (Member m : r.group().members()) {
            int b = s.boxOf(m.node());
            if (b >= 0) boxes.put(b, heat);
        }
        double[] channels = null;
        double[] scores = r.importanceProperty().get();
        if (scores != null) {
            double top = 0;
            for (double v : scores) if (!Double.isNaN(v)) top = Math.max(top, v);
            channels = new double[scores.length];
            for (int i = 0; i < scores.length; i++) channels[i] = top > 0 ? scores[i] / top : Double.NaN;
        }
        boolean[] removed = null;
        int[] kept = r.keptChannelsProperty().get();
        if (kept != null) {
            removed = new boolean[r.channels()];
            java.util.Arrays.fill(removed, true);
            for (int k : kept) if (k >= 0 && k < removed.length) removed[k] = false;
        }
        // explain: the nodes whose rules tied the channels, numbered on the graph, and the node that locks it
        List<String> ties = result == null || result.analysis() == null ? List.of() : result.analysis().couplings(r.id());
        Map<Integer, Integer> steps = new LinkedHashMap<>();
        List<String> why = new ArrayList<>();
        var lines = model == null ? List.<Map.Entry<String, String>>of() : GroupExplanation.lines(r.group(), ties, model.graph());
        for (var line : lines) {
            int b = s.boxOf(line.getKey());
            if (b >= 0 && !steps.containsKey(b)) steps.put(b, steps.size() + 1);
            why.add((b >= 0 ? steps.get(b) + ". " : "· ") + line.getValue());
        }
        String locking = r.isPrunable() || model == null ? null : GroupExplanation.lockingNode(r.group(), model.graph());
        if (!r.isPrunable()) {
            why.add(0, "Locked" + (locking == null ? "" : " at " + GroupExplanation.shortName(locking)) + ": " + r.reason());
        }
        explanation.set(List.copyOf(why));
        graph.overlayProperty().set(new GroupOverlay(r.id(), boxes, channels, removed, !r.isPrunable(), r.reason(),
                steps, locking == null ? -1 : s.boxOf(locking)));
    }

    /** Selects a group and brings its first member into view. */
    public void select(GroupRow r) {
        selected.set(r);
        if (r != null && !r.group().members().isEmpty()) {
            String first = r.group().members().get(0).node();
            GraphScene s = graph.sceneProperty().get();
            if (s != null && s.boxOf(first) >= 0) graph.selectNode(first);
        }
    }

    /** Selects the prunable group with the most members (for a first look and screenshots). */
    public void selectShowcaseGroup() {
        GroupRow best = null;
        for (GroupRow r : rows) {
            if (r.isPrunable() && (best == null || r.group().members().size() > best.group().members().size())) best = r;
        }
        if (best == null && !rows.isEmpty()) best = rows.get(0);
        if (best != null) select(best);
    }

    /** Sets a per-group ratio (undoable; slider drags merge into one step). */
    public void setOverride(GroupRow r, double ratio) {
        double before = r.overrideProperty().get();
        double after = Math.max(0, Math.min(0.95, ratio));
        if (Double.compare(before, after) == 0) return;
        undo.apply(new UndoStack.Edit() {
            @Override public void redo() { r.overrideProperty().set(after); }
            @Override public void undo() { r.overrideProperty().set(before); }
            @Override public String description() { return "ratio of " + r.id(); }
            @Override public Object mergeKey() { return "override:" + r.id(); }
        });
    }

    /** Removes a group's own ratio so the global one applies again (undoable). */
    public void clearOverride(GroupRow r) {
        double before = r.overrideProperty().get();
        if (Double.isNaN(before)) return;
        undo.apply(new UndoStack.Edit() {
            @Override public void redo() { r.overrideProperty().set(Double.NaN); }
            @Override public void undo() { r.overrideProperty().set(before); }
            @Override public String description() { return "reset ratio of " + r.id(); }
        });
    }

    /** Sets the global ratio (undoable; slider drags merge). */
    public void setGlobalRatio(double ratio) {
        double before = globalRatio.get();
        double after = Math.max(0, Math.min(0.95, ratio));
        if (Double.compare(before, after) == 0) return;
        undo.apply(new UndoStack.Edit() {
            @Override public void redo() { globalRatio.set(after); }
            @Override public void undo() { globalRatio.set(before); }
            @Override public String description() { return "global ratio"; }
            @Override public Object mergeKey() { return "global"; }
        });
    }

    /** Per-group ratios currently set, by group id. */
    public Map<String, Double> overrides() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (GroupRow r : rows) if (r.hasOverride()) m.put(r.id(), r.overrideProperty().get());
        return m;
    }

    public GroupRow row(String id) {
        for (GroupRow r : rows) if (r.id().equals(id)) return r;
        return null;
    }

    public List<String> groupsOfNode(String node) { return groupsByNode.getOrDefault(node, List.of()); }

    public ObservableList<GroupRow> rows() { return rows; }

    public FilteredList<GroupRow> visibleRows() { return visibleRows; }

    /** The filtered rows in the table's sort order. */
    public SortedList<GroupRow> sortedRows() { return sortedRows; }

    /** Ends a slider drag: the next drag is a new undo step. */
    public void undoSeal() { undo.seal(); }

    public StringProperty filterProperty() { return filter; }

    public BooleanProperty prunableOnlyProperty() { return prunableOnly; }

    public ObjectProperty<GroupRow> selectedProperty() { return selected; }

    public DoubleProperty globalRatioProperty() { return globalRatio; }

    public ReadOnlyStringProperty summaryProperty() { return summary.getReadOnlyProperty(); }

    public ReadOnlyStringProperty unavailableProperty() { return unavailable.getReadOnlyProperty(); }

    public ObjectProperty<List<CoupledGroup>> groupsProperty() { return groups; }

    /**
     * Why the selected group's channels go together: one numbered line per node whose rule tied them (the
     * same numbers are drawn on the graph), and for a locked group the node that locks it and why.
     */
    public ObjectProperty<List<String>> explanationProperty() { return explanation; }

    public LoadedModel model() { return model; }

    /** The analysis behind the rows (needed to rewrite the model), null before it finished. */
    public ModelServices.GroupsResult result() { return result; }

    /** True once the open model's analysis finished (with groups, or with a reason there are none). */
    public javafx.beans.property.ReadOnlyBooleanProperty analysedProperty() { return analysed.getReadOnlyProperty(); }
}
