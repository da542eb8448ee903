package dev.lopper.app.compare;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.value.ObservableValue;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import dev.lopper.app.LoadedModel;
import dev.lopper.app.MainViewModel;
import dev.lopper.app.ModelServices;
import dev.lopper.app.RunInputs;
import dev.lopper.app.graph.GraphScene;
import dev.lopper.app.graph.GraphViewModel;
import dev.lopper.app.task.TaskRunner;
import dev.lopper.graph.Metrics;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Shape;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;

/**
 * State of the compare view: the original graph and the verified pruned model's graph (loaded from its bytes
 * with the app's loader), each in its own {@link GraphViewModel}, and per node the change in output channels,
 * parameters and MACs (both counted by {@link Metrics}, the one cost definition) and, once profiled, time.
 * Nodes whose channels changed carry a "24 → 15" label and a tint on both graphs. The comparison is made in
 * the background when the view is shown, and again for each new pruned model while it is shown.
 * Repeated blocks collapsed in the main graph view are collapsed on both sides too (one box each, the same blocks:
 * pruning keeps node names), and a collapsed block shows, and is listed with, the sum of its nodes' deltas;
 * expanding a block on either side expands it on both.
 */
public final class CompareViewModel {
    /**
     * One node's change. Channels: the first output axis whose size differs between the two graphs (before, after),
     * or -1 for both when no output changed size; time in ms per run, null until profiled.
     */
    public record NodeDelta(String node, String opType, long channelsBefore, long channelsAfter, long paramsBefore,
                            long paramsAfter, long macsBefore, long macsAfter, Double msBefore, Double msAfter) {
        public boolean channelsChanged() { return channelsBefore != channelsAfter; }

        /** One row for a collapsed block: its nodes' deltas summed (time only when every node was profiled). */
        public static NodeDelta sum(String block, List<NodeDelta> members) {
            long pb = 0, pa = 0, mb = 0, ma = 0;
            double tb = 0, ta = 0;
            boolean timed = !members.isEmpty();
            for (NodeDelta d : members) {
                pb += d.paramsBefore();
                pa += d.paramsAfter();
                mb += d.macsBefore();
                ma += d.macsAfter();
                if (d.msBefore() == null || d.msAfter() == null) timed = false;
                else {
                    tb += d.msBefore();
                    ta += d.msAfter();
                }
            }
            return new NodeDelta(block, "block · " + members.size() + " changed", -1, -1, pb, pa, mb, ma,
                    timed ? tb : null, timed ? ta : null);
        }

        /** What a collapsed block's box says: "params −38% · MACs −41%". */
        public String summaryText() {
            List<String> parts = new ArrayList<>();
            if (paramsBefore != paramsAfter) parts.add("params " + percentText(paramsBefore, paramsAfter));
            if (macsBefore != macsAfter) parts.add("MACs " + percentText(macsBefore, macsAfter));
            return String.join(" · ", parts);
        }

        private static String percentText(long before, long after) {
            return before == 0 ? String.format("%,d → %,d", before, after)
                    : String.format("%+.0f%%", 100.0 * (after - before) / before).replace('-', '−');
        }

        public boolean changed() {
            return channelsChanged() || paramsBefore != paramsAfter || macsBefore != macsAfter;
        }

        /** "24 → 15", or "" when the node's channels did not change. */
        public String channelsText() { return channelsChanged() ? channelsBefore + " → " + channelsAfter : ""; }
    }

    /** A comparison: the pruned graph and its drawing, both cost reports, and the deltas of changed nodes in graph order. */
    public record Comparison(LoadedModel original, ModelServices.PruneOutcome pruned, ModelGraph prunedGraph,
                             GraphScene originalScene, GraphScene prunedScene, Metrics.Report before, Metrics.Report after,
                             List<NodeDelta> deltas) {
        public Comparison {
            deltas = List.copyOf(deltas);
        }

        public NodeDelta delta(String node) {
            for (NodeDelta d : deltas) if (d.node().equals(node)) return d;
            return null;
        }
    }

    private final ModelServices services;
    private final TaskRunner tasks;
    private final ObservableValue<LoadedModel> model;
    private final ObservableValue<ModelServices.PruneOutcome> pruned;
    private final ObservableValue<RunInputs> inputs;
    private final GraphViewModel originalGraph = new GraphViewModel();
    private final GraphViewModel prunedGraph = new GraphViewModel();
    private final BooleanProperty shown = new SimpleBooleanProperty(false);
    private final BooleanBinding available;
    private final ReadOnlyObjectWrapper<Comparison> comparison = new ReadOnlyObjectWrapper<>();
    private final ObservableList<NodeDelta> rows = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("");
    private TaskRunner.Handle work;
    private int runs;

    public CompareViewModel(ModelServices services, TaskRunner tasks, ObservableValue<LoadedModel> model,
                            ObservableValue<ModelServices.PruneOutcome> pruned, ObservableValue<RunInputs> inputs) {
        this(services, tasks, model, pruned, inputs, new javafx.beans.property.SimpleObjectProperty<>(Set.of()));
    }

    /** As above, collapsing on both sides the repeated blocks that {@code collapsed} (the main graph view's) names. */
    public CompareViewModel(ModelServices services, TaskRunner tasks, ObservableValue<LoadedModel> model,
                            ObservableValue<ModelServices.PruneOutcome> pruned, ObservableValue<RunInputs> inputs,
                            ObservableValue<Set<String>> collapsed) {
        this.services = services;
        this.tasks = tasks;
        this.model = model;
        this.pruned = pruned;
        this.inputs = inputs;
        available = Bindings.createBooleanBinding(() -> model.getValue() != null && pruned.getValue() != null
                && pruned.getValue().verified() && pruned.getValue().model() != null, model, pruned);
        // a plan change drops the pruned model: the comparison goes, and comes back with the next verified model
        pruned.addListener((o, a, b) -> { if (shown.get()) refresh(); });
        model.addListener((o, a, b) -> {
            shown.set(false);
            clear();
        });
        shown.addListener((o, a, b) -> { if (b) refresh(); });
        // selecting a node on one graph selects the same node on the other
        originalGraph.selectedBoxProperty().addListener((o, a, b) -> follow(originalGraph, prunedGraph, b.intValue()));
        prunedGraph.selectedBoxProperty().addListener((o, a, b) -> follow(prunedGraph, originalGraph, b.intValue()));
        // one collapse state on both sides, taken from the main graph view; a block expanded on one side expands on both
        originalGraph.collapsedKeysProperty().set(collapsed.getValue());
        collapsed.addListener((o, a, k) -> originalGraph.collapsedKeysProperty().set(k));
        prunedGraph.collapsedKeysProperty().addListener((o, a, k) -> originalGraph.collapsedKeysProperty().set(k));
        originalGraph.collapsedKeysProperty().addListener((o, a, k) -> {
            prunedGraph.collapsedKeysProperty().set(k);
            relayout();
        });
    }

    /** The blocks drawn collapsed on both sides. */
    public Set<String> collapsedKeys() { return originalGraph.collapsedKeysProperty().get(); }

    private static void follow(GraphViewModel from, GraphViewModel to, int box) {
        GraphScene s = from.sceneProperty().get();
        GraphScene t = to.sceneProperty().get();
        if (s == null || t == null) return;
        int other = box < 0 ? -1 : t.boxOf(s.boxes().get(box).name());
        if (box < 0 || other >= 0) to.select(other);
    }

    private void clear() {
        runs++;
        if (work != null && !work.isDone()) work.cancel();
        comparison.set(null);
        rows.clear();
        originalGraph.sceneProperty().set(null);
        prunedGraph.sceneProperty().set(null);
        status.set("");
    }

    /** Compares the open model with the current verified pruned model in the background (nothing when none). */
    public void refresh() {
        LoadedModel m = model.getValue();
        ModelServices.PruneOutcome p = pruned.getValue();
        Comparison c = comparison.get();
        if (c != null && c.original() == m && c.pruned() == p) return;
        clear();
        if (!available.get()) {
            status.set("No verified pruned model of the current plan to compare with (yet): prune and verify it");
            return;
        }
        int run = runs;
        status.set("Comparing…");
        Set<String> keys = collapsedKeys();
        work = tasks.run("Comparing original and pruned", pr -> {
            pr.update("Loading the pruned model", 0, 3);
            OnnxModel prunedModel = OnnxModel.of(m.path(), ModelProto.parseFrom(p.model()));
            ModelGraph g = services.loadGraph(prunedModel, pr);
            pr.checkCancelled();
            pr.update("Laying out the pruned graph", 1, 3);
            GraphScene[] scenes = scenes(m, g, keys, pr);
            pr.checkCancelled();
            pr.update("Counting parameters and MACs", 2, 3);
            Metrics.Report before = Metrics.of(m.graph());
            Metrics.Report after = Metrics.of(g);
            return new Comparison(m, p, g, scenes[0], scenes[1], before, after,
                    deltas(m.graph(), before, g, after, Map.of(), Map.of()));
        }, r -> {
            if (run != runs) return;
            show(r);
        }, ex -> {
            if (run == runs) status.set("Cannot compare: " + MainViewModel.oneLine(ex));
        }, () -> {
            if (run == runs) status.set("Comparison cancelled");
        });
    }

    /**
     * Both drawings with the blocks {@code keys} collapsed; the pruned graph's blocks are the original's (matched by
     * node name), so the two sides collapse the same nodes.
     */
    private static GraphScene[] scenes(LoadedModel m, ModelGraph pruned, Set<String> keys, dev.lopper.task.Progress pr) {
        GraphScene original = keys.isEmpty() ? m.scene() : GraphScene.build(m.graph(), m.scene().blocks(), keys, pr);
        return new GraphScene[] {original, GraphScene.build(pruned, m.scene().blocks(), keys, pr)};
    }

    /** Draws both sides again with the blocks now collapsed (in the background), keeping the deltas. */
    private void relayout() {
        Comparison c = comparison.get();
        Set<String> keys = collapsedKeys();
        if (c == null || c.originalScene().collapsed().equals(keys)) return;
        if (work != null && !work.isDone()) work.cancel();
        int run = ++runs;
        work = tasks.run(keys.isEmpty() ? "Expanding blocks" : "Collapsing repeated blocks", pr -> {
            GraphScene[] s = scenes(c.original(), c.prunedGraph(), keys, pr);
            return new Comparison(c.original(), c.pruned(), c.prunedGraph(), s[0], s[1], c.before(), c.after(), c.deltas());
        }, r -> {
            if (run == runs) show(r);
        }, ex -> {
            if (run == runs) status.set("Cannot compare: " + MainViewModel.oneLine(ex));
        });
    }

    /**
     * The table's rows: the changed nodes in graph order, those inside a collapsed block replaced (where the block's
     * first changed node was) by one row summing them, named by the block.
     */
    public static List<NodeDelta> rows(GraphScene s, List<NodeDelta> deltas) {
        Map<String, List<NodeDelta>> byBlock = new LinkedHashMap<>();
        List<Object> order = new ArrayList<>();
        for (NodeDelta d : deltas) {
            int b = s.boxOf(d.node());
            GraphScene.Box box = b < 0 ? null : s.boxes().get(b);
            if (box == null || box.kind() != GraphScene.Kind.BLOCK) {
                order.add(d);
                continue;
            }
            List<NodeDelta> members = byBlock.get(box.name());
            if (members == null) {
                byBlock.put(box.name(), members = new ArrayList<>());
                order.add(box.name());
            }
            members.add(d);
        }
        List<NodeDelta> out = new ArrayList<>();
        for (Object o : order) out.add(o instanceof NodeDelta d ? d : NodeDelta.sum((String) o, byBlock.get(o)));
        return out;
    }

    private void show(Comparison c) {
        comparison.set(c);
        rows.setAll(rows(c.originalScene(), c.deltas()));
        originalGraph.sceneProperty().set(c.originalScene());
        prunedGraph.sceneProperty().set(c.prunedScene());
        mark(originalGraph, c.originalScene(), rows);
        mark(prunedGraph, c.prunedScene(), rows);
        long changedChannels = c.deltas().stream().filter(NodeDelta::channelsChanged).count();
        status.set(String.format("%d nodes changed (%d in channels) · params %,d → %,d (−%.1f%%) · MACs %,d → %,d (−%.1f%%)",
                c.deltas().size(), changedChannels, c.before().params(), c.after().params(),
                percentLess(c.before().params(), c.after().params()), c.before().macs(), c.after().macs(),
                percentLess(c.before().macs(), c.after().macs())) + timeText(c));
    }

    private static String timeText(Comparison c) {
        double a = 0, b = 0;
        boolean any = false;
        for (NodeDelta d : c.deltas()) if (d.msBefore() != null) any = true;
        if (!any) return "";
        for (NodeDelta d : c.deltas()) {
            if (d.msBefore() != null) a += d.msBefore();
            if (d.msAfter() != null) b += d.msAfter();
        }
        return String.format(" · time of changed nodes %.3f → %.3f ms", a, b);
    }

    private static double percentLess(long before, long after) {
        return before == 0 ? 0 : 100.0 * (before - after) / before;
    }

    /**
     * "24 → 15" labels and a tint on the boxes of nodes whose channels changed; a collapsed block's box (a summed row)
     * says how its params and MACs changed ("params −38% · MACs −41%").
     */
    private static void mark(GraphViewModel vm, GraphScene s, List<NodeDelta> rows) {
        Map<Integer, String> labels = new HashMap<>();
        Set<Integer> tinted = new HashSet<>();
        for (NodeDelta d : rows) {
            int b = s.boxOf(d.node());
            if (b < 0) continue;
            boolean block = s.boxes().get(b).kind() == GraphScene.Kind.BLOCK;
            String text = block ? d.summaryText() : d.channelsText();
            if (text.isEmpty()) continue;
            labels.put(b, text);
            tinted.add(b);
        }
        vm.channelLabelsProperty().set(Map.copyOf(labels));
        vm.tintedProperty().set(Set.copyOf(tinted));
    }

    /** Profiles both models per node in the background; the deltas then carry each node's time. */
    public void profile() {
        Comparison c = comparison.get();
        if (c == null) return;
        int run = runs;
        status.set("Profiling original and pruned…");
        RunInputs in = inputs.getValue() == null ? RunInputs.AUTO : inputs.getValue();
        work = tasks.run("Profiling original and pruned", pr -> {
            Map<String, Map<String, Double>> ms = services.profileBoth(c.original(), c.pruned().model(), in, pr);
            return new Comparison(c.original(), c.pruned(), c.prunedGraph(), c.originalScene(), c.prunedScene(), c.before(), c.after(),
                    deltas(c.original().graph(), c.before(), c.prunedGraph(), c.after(), ms.get("original"), ms.get("pruned")));
        }, r -> {
            if (run == runs) show(r);
        }, ex -> {
            if (run == runs) status.set("Cannot profile: " + MainViewModel.oneLine(ex));
        }, () -> {
            if (run == runs) status.set("Profiling cancelled");
        });
    }

    /**
     * The changed nodes, in the original graph's order, matched by name: channels from the output shapes, params and
     * MACs from the two {@link Metrics} reports, time from the two profiles (empty maps: not profiled).
     */
    public static List<NodeDelta> deltas(ModelGraph a, Metrics.Report ra, ModelGraph b, Metrics.Report rb,
                                         Map<String, Double> msA, Map<String, Double> msB) {
        Map<String, Metrics.NodeCost> costB = new HashMap<>();
        for (Metrics.NodeCost c : rb.perNode()) costB.put(c.node(), c);
        Map<String, Node> nodesB = new LinkedHashMap<>();
        for (Node n : b.nodes()) nodesB.put(n.name(), n);
        List<NodeDelta> out = new ArrayList<>();
        for (Metrics.NodeCost ca : ra.perNode()) {
            Node na = a.node(ca.node());
            Node nb = nodesB.get(ca.node());
            Metrics.NodeCost cb = costB.get(ca.node());
            if (na == null || nb == null || cb == null) continue;
            long[] ch = channels(a, na, b, nb);
            Double ta = msA.get(ca.node());
            Double tb = msB.get(ca.node());
            NodeDelta d = new NodeDelta(ca.node(), ca.opType(), ch[0], ch[1], ca.params(), cb.params(), ca.macs(),
                    cb.macs(), ta, tb);
            if (d.changed()) out.add(d);
        }
        return out;
    }

    /** The first output axis whose known size differs: {before, after}; {-1, -1} when none does. */
    static long[] channels(ModelGraph a, Node na, ModelGraph b, Node nb) {
        for (int i = 0; i < Math.min(na.outputs().size(), nb.outputs().size()); i++) {
            Shape sa = a.shape(na.output(i));
            Shape sb = b.shape(nb.output(i));
            if (!sa.hasRank() || !sb.hasRank() || sa.rank() != sb.rank()) continue;
            for (int ax = 0; ax < sa.rank(); ax++) {
                long x = sa.dim(ax);
                long y = sb.dim(ax);
                if (x >= 0 && y >= 0 && x != y) return new long[] {x, y};
            }
        }
        return new long[] {-1, -1};
    }

    public GraphViewModel originalGraph() { return originalGraph; }

    public GraphViewModel prunedGraph() { return prunedGraph; }

    /** True while the compare view is shown; set true to compare. */
    public BooleanProperty shownProperty() { return shown; }

    /** True when a verified pruned model exists to compare with. */
    public BooleanBinding availableProperty() { return available; }

    public ReadOnlyObjectProperty<Comparison> comparisonProperty() { return comparison.getReadOnlyProperty(); }

    /** The changed nodes (the table). */
    public ObservableList<NodeDelta> rows() { return rows; }

    public ReadOnlyStringProperty statusProperty() { return status.getReadOnlyProperty(); }

    /** Selects a node on both graphs and brings it into view. */
    public void selectNode(String node) {
        originalGraph.selectNode(node);
        prunedGraph.selectNode(node);
    }
}
