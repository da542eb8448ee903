package dev.lopper.app.groups;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.app.graph.GraphScene;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;

/**
 * "Explain a group", for teaching: the chain of couplings that tied the group's channels together, one line
 * per node whose rule tied them (from the analysis' record, {@code GroupAnalysis.couplings}), in graph order,
 * and for a locked group the node that locks it with the reason.
 */
public final class GroupExplanation {
    private static final Pattern QUOTED = Pattern.compile("'([^']+)'");

    private GroupExplanation() {}

    /** Ops that tie or place channels by the layout of their inputs and outputs (not through a weight). */
    private static final java.util.Set<String> STRUCTURAL = java.util.Set.of("Concat", "Split", "Slice", "Reshape",
            "Flatten", "Add", "Sub", "Mul", "Div", "Sum", "Max", "Min", "Mean", "Where");

    /**
     * One (node, line) per coupling, in graph order: the nodes whose rules unified the group's dimensions
     * ({@code couplingNodes}, from the analysis) and the members that place its channels by layout (a Concat
     * builds its output from slices without unifying), with what the op does to the channels.
     */
    public static List<java.util.Map.Entry<String, String>> lines(CoupledGroup c, List<String> couplingNodes, ModelGraph g) {
        java.util.Set<String> nodes = new java.util.LinkedHashSet<>(couplingNodes);
        // the node that makes the channels (the group's id names it: g:<node>/out)
        String id = c.id().startsWith("g:") ? c.id().substring(2) : c.id();
        int cut = id.lastIndexOf("/out");
        if (cut > 0 && g.node(id.substring(0, cut)) != null) nodes.add(id.substring(0, cut));
        for (var m : c.members()) {
            Node n = g.node(m.node());
            if (n != null && STRUCTURAL.contains(n.opType())) nodes.add(n.name());
        }
        java.util.Map<String, Integer> order = new java.util.HashMap<>();
        for (int i = 0; i < g.nodes().size(); i++) order.put(g.nodes().get(i).name(), i);
        List<java.util.Map.Entry<String, String>> out = new ArrayList<>();
        nodes.stream().filter(n -> g.node(n) != null)
                .sorted(java.util.Comparator.comparingInt(n -> order.getOrDefault(n, Integer.MAX_VALUE)))
                .forEach(n -> out.add(java.util.Map.entry(n, line(c, g.node(n), g))));
        return out;
    }

    static String line(CoupledGroup c, Node n, ModelGraph g) {
        if (n.opType().equals("Concat") && !n.outputs().isEmpty()) {
            for (var m : c.members()) {
                if (!m.node().equals(n.name()) || !m.tensor().equals(n.output(0))) continue;
                int[] all = new int[c.channels()];
                for (int i = 0; i < all.length; i++) all[i] = i;
                int[] pos = m.map().indicesOf(all);
                if (pos.length == 0) break;
                int lo = java.util.Arrays.stream(pos).min().getAsInt();
                int hi = java.util.Arrays.stream(pos).max().getAsInt() + 1;
                return "Concat at " + shortName(n.name()) + " places these channels at [" + lo + ", " + hi
                        + ") of its output, next to the other inputs";
            }
        }
        return line(n, g);
    }

    static String line(Node n, ModelGraph g) {
        String op = n.opType();
        String at = op + " at " + shortName(n.name());
        List<String> from = new ArrayList<>();
        for (String in : n.inputs()) {
            if (in.isEmpty() || g.isConstant(in)) continue;
            from.add(g.producer(in).map(p -> shortName(p.name())).orElse(in));
        }
        String outShape = n.outputs().isEmpty() ? "" : GraphScene.shapeText(g.shape(n.output(0)));
        return switch (op) {
            case "Add", "Sub", "Mul", "Div", "Sum", "Max", "Min", "Mean", "Where", "PRelu" -> from.size() >= 2
                    ? at + " ties the channels of " + String.join(" and ", from) + " (element-wise: both must keep the same ones)"
                    : at + " applies a per-channel constant: it follows the channels";
            case "Concat" -> at + " places " + String.join(", ", from) + " side by side: each is a slice of its output";
            case "Split", "Slice" -> at + " cuts its input's channels into slices";
            case "Reshape", "Flatten" -> at + " reshapes " + (n.inputs().isEmpty() ? "" : GraphScene.shapeText(g.shape(n.input(0))))
                    + " → " + outShape + ": channels split into (or merge from) heads × per-head dims";
            case "Transpose" -> at + " moves the channel axis (" + outShape + ")";
            case "Conv", "ConvTranspose", "Gemm", "MatMul" -> at + " makes or reads these channels through its weights";
            case "BatchNormalization", "LayerNormalization", "InstanceNormalization", "GroupNormalization" ->
                    at + " scales each channel with its own parameters";
            case "Gather" -> at + " looks rows up in a table: the table's columns are the channels";
            default -> at + " passes the channels through";
        };
    }

    /** The node named in a locked group's first reason that is a node of the graph, or null. */
    public static String lockingNode(CoupledGroup c, ModelGraph g) {
        for (String reason : c.lockReasons()) {
            Matcher m = QUOTED.matcher(reason);
            while (m.find()) {
                String q = m.group(1);
                if (g.node(q) != null) return q;
                // a tensor: its producer (a graph output 'logits' is locked at the node that writes it)
                var p = g.producer(q);
                if (p.isPresent()) return p.get().name();
            }
        }
        return null;
    }

    public static String shortName(String node) {
        String s = node.startsWith("/") ? node.substring(1) : node;
        return s.isEmpty() ? node : s;
    }
}
