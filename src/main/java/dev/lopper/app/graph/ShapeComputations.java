package dev.lopper.app.graph;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;

/**
 * The nodes that only compute shapes: a {@code Shape} (or {@code Size}) node and everything that is computed
 * from shapes and constants alone (the {@code Gather → Unsqueeze → Concat} chains exporters emit in front of a
 * {@code Reshape}), plus {@code Constant} nodes read only by those. Data never flows through them, so hiding
 * them leaves the architecture: a transformer reads as MatMul, Softmax, LayerNorm, not as index arithmetic.
 */
public final class ShapeComputations {
    private ShapeComputations() {}

    public static Set<String> find(ModelGraph g) {
        Set<String> shapeTensors = new HashSet<>();
        Set<String> hidden = new LinkedHashSet<>();
        // nodes are in topological order: a node is shape-only when it reads a shape and nothing but shapes
        // and constants (and is not a graph output)
        for (Node n : g.nodes()) {
            boolean only;
            if (n.opType().equals("Shape") || n.opType().equals("Size")) {
                only = true;
            } else {
                boolean readsShape = false;
                boolean readsData = false;
                for (String in : n.inputs()) {
                    if (in.isEmpty() || g.isConstant(in)) continue;
                    if (shapeTensors.contains(in)) readsShape = true;
                    else if (g.producer(in).map(p -> !p.opType().equals("Constant")).orElse(true)) readsData = true;
                }
                only = readsShape && !readsData;
            }
            if (!only || n.outputs().stream().anyMatch(g::isGraphOutput)) continue;
            hidden.add(n.name());
            for (String o : n.outputs()) if (!o.isEmpty()) shapeTensors.add(o);
        }
        // Constant nodes read only by hidden nodes go too
        for (Node n : g.nodes()) {
            if (!n.opType().equals("Constant") || n.outputs().isEmpty()) continue;
            List<Node> users = g.consumers(n.output(0));
            if (!users.isEmpty() && users.stream().allMatch(u -> hidden.contains(u.name()))) hidden.add(n.name());
        }
        return hidden;
    }
}
