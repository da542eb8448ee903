package dev.lopper.app.inspector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleObjectProperty;

import dev.lopper.app.graph.GraphScene;
import dev.lopper.app.graph.GraphViewModel;
import dev.lopper.app.task.TaskRunner;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.onnx.ElementType;
import dev.lopper.onnx.TensorData;
import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * The inspector follows the graph selection: attributes, inputs and outputs with shapes, statistics of
 * constant inputs (computed in the background: an embedding table can have 100M values), the node's
 * coupled groups and its time from the last profile.
 */
public final class InspectorViewModel {
    /** Constants larger than this are summarised from a strided sample. */
    static final long FULL_STATS_LIMIT = 4_000_000;
    static final int BINS = 24;

    private final GraphViewModel graph;
    private final TaskRunner tasks;
    private final ReadOnlyObjectWrapper<InspectorContent> content = new ReadOnlyObjectWrapper<>();
    private final ObjectProperty<Function<String, List<String>>> groupsOfNode =
            new SimpleObjectProperty<>(n -> List.of());
    private final ObjectProperty<Map<String, Double>> profileMillis = new SimpleObjectProperty<>(Map.of());
    private final ObjectProperty<List<String>> groupExplanation = new SimpleObjectProperty<>(List.of());
    private TaskRunner.Handle running;

    public InspectorViewModel(GraphViewModel graph, TaskRunner tasks) {
        this.graph = graph;
        this.tasks = tasks;
        graph.selectedBoxProperty().addListener((o, a, b) -> refresh());
        groupsOfNode.addListener((o, a, b) -> refresh());
        profileMillis.addListener((o, a, b) -> refresh());
    }

    public void refresh() {
        if (running != null && !running.isDone()) running.cancel();
        GraphScene.Box box = graph.selectedBoxInfo();
        GraphScene scene = graph.sceneProperty().get();
        if (box == null || scene == null) {
            content.set(null);
            return;
        }
        Function<String, List<String>> groups = groupsOfNode.get();
        Map<String, Double> times = profileMillis.get();
        // quick content first (no statistics), then the full one from the background
        content.set(describe(scene.graph(), box, groups, times, false));
        running = tasks.run("Inspecting " + box.name(), p -> describe(scene.graph(), box, groups, times, true),
                c -> {
                    if (graph.selectedBoxInfo() == box) content.set(c);
                }, ex -> { });
    }

    /** Builds the inspector content for a box; {@code withStats} decodes constants (may be slow). */
    public static InspectorContent describe(ModelGraph g, GraphScene.Box box, Function<String, List<String>> groups,
                                            Map<String, Double> times, boolean withStats) {
        Node n = box.node();
        if (box.kind() == GraphScene.Kind.BLOCK) {
            java.util.Map<String, Integer> ops = new java.util.TreeMap<>();
            for (Node m : box.members()) ops.merge(m.opType(), 1, Integer::sum);
            List<InspectorContent.Row> rows = new ArrayList<>();
            ops.forEach((op, c) -> rows.add(new InspectorContent.Row(op, "× " + c)));
            return new InspectorContent("Repeated block", box.name() + " · " + box.members().size()
                    + " ops (double-click it to expand)", rows, List.of(), List.of(), List.of(), "");
        }
        if (n == null) {
            TensorRowBuilder rb = new TensorRowBuilder(g, withStats);
            List<InspectorContent.TensorRow> rows = List.of(rb.row(box.tensor()));
            boolean input = box.kind() == GraphScene.Kind.INPUT;
            return new InspectorContent(input ? "Graph input" : "Graph output", box.name(), List.of(),
                    input ? List.of() : rows, input ? rows : List.of(), List.of(), "");
        }
        List<InspectorContent.Row> attrs = new ArrayList<>();
        if (!n.isDefaultDomain()) attrs.add(new InspectorContent.Row("domain", n.domain()));
        for (AttributeProto a : n.attributes().values()) attrs.add(new InspectorContent.Row(a.getName(), format(a)));
        TensorRowBuilder rb = new TensorRowBuilder(g, withStats);
        List<InspectorContent.TensorRow> ins = new ArrayList<>();
        for (String t : n.inputs()) if (!t.isEmpty()) ins.add(rb.row(t));
        List<InspectorContent.TensorRow> outs = new ArrayList<>();
        for (String t : n.outputs()) if (!t.isEmpty()) outs.add(rb.row(t));
        Double ms = times.get(n.name());
        String profile = ms == null ? (times.isEmpty() ? "not profiled yet (press Profile)" : "not in the last profile")
                : String.format("%.3f ms per run in the last profile", ms);
        return new InspectorContent(n.opType(), n.name(), attrs, ins, outs, groups.apply(n.name()), profile);
    }

    private static final class TensorRowBuilder {
        private final ModelGraph g;
        private final boolean withStats;

        TensorRowBuilder(ModelGraph g, boolean withStats) {
            this.g = g;
            this.withStats = withStats;
        }

        InspectorContent.TensorRow row(String t) {
            String shape = GraphScene.shapeText(g.shape(t));
            String type = elementName(g.elemType(t));
            if (!g.isConstant(t)) return new InspectorContent.TensorRow(t, shape, type, "activation", null);
            TensorProto p = g.constant(t);
            String role = g.isStoredInitializer(t) ? "initializer" : "constant";
            if (shape.isEmpty()) shape = GraphScene.shapeText(dev.lopper.graph.Shape.of(p.getDimsList()));
            if (type.isEmpty()) type = elementName(p.getDataType());
            TensorStats stats = null;
            if (withStats) {
                try {
                    TensorData d = g.constantValue(t);
                    stats = TensorStats.of(sample(d), BINS);
                } catch (Exception | Error e) {
                    stats = null; // non-numeric (strings) or unreadable: shown without statistics
                }
            }
            return new InspectorContent.TensorRow(t, shape, type, role, stats);
        }
    }

    private static double[] sample(TensorData d) {
        // toFloatArray decodes every numeric type from the buffer's position (toDoubleArray reads absolute
        // offsets, wrong for tensors aliasing a memory map)
        float[] f = d.toFloatArray();
        double[] all = new double[f.length];
        for (int i = 0; i < f.length; i++) all[i] = f[i];
        if (all.length <= FULL_STATS_LIMIT) return all;
        int step = (int) Math.ceil(all.length / (double) FULL_STATS_LIMIT);
        double[] s = new double[all.length / step];
        for (int i = 0; i < s.length; i++) s[i] = all[i * step];
        return s;
    }

    static String elementName(int type) {
        return type == 0 ? "" : ElementType.name(type);
    }

    static String format(AttributeProto a) {
        return switch (a.getType()) {
            case FLOAT -> trim(a.getF());
            case INT -> Long.toString(a.getI());
            case STRING -> a.getS().toStringUtf8();
            case FLOATS -> a.getFloatsList().stream().map(InspectorViewModel::trim).toList().toString();
            case INTS -> a.getIntsList().toString();
            case STRINGS -> a.getStringsList().stream().map(com.google.protobuf.ByteString::toStringUtf8).toList().toString();
            case TENSOR -> "tensor " + a.getT().getDimsList() + " " + elementName(a.getT().getDataType());
            case GRAPH -> "subgraph '" + a.getG().getName() + "' (" + a.getG().getNodeCount() + " nodes)";
            case GRAPHS -> a.getGraphsCount() + " subgraphs";
            default -> a.getType().name().toLowerCase();
        };
    }

    private static String trim(float f) {
        String s = Float.toString(f);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    public ReadOnlyObjectProperty<InspectorContent> contentProperty() { return content.getReadOnlyProperty(); }

    /** How to list a node's groups (set by the groups view-model). */
    public ObjectProperty<Function<String, List<String>>> groupsOfNodeProperty() { return groupsOfNode; }

    /** Why the selected group's channels go together (numbered couplings, the locking node), empty for none. */
    public ObjectProperty<List<String>> groupExplanationProperty() { return groupExplanation; }

    /** Node name → milliseconds from the last profile. */
    public ObjectProperty<Map<String, Double>> profileMillisProperty() { return profileMillis; }
}
