package dev.lopper.prune;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * For every constant of the original model (initializers, and Constant nodes' values), the indices a plan keeps on
 * each axis it prunes: the same positions {@link PlanApplier} slices, so a user can cut a training checkpoint the
 * same way and fine-tune it elsewhere ({@code lopper prune --save-index-map MAP.json};
 * {@code samples/scripts/apply_index_map.py} applies a map to a PyTorch state_dict).
 * <p>
 * File format ({@value #FORMAT}): {@code {"format", "model", "sha256", "initializers": {name: {"shape": [...],
 * "kept": {"axis": [indices...]}}}, "constants": {...}}}; an entry with an empty {@code kept} is unchanged. The
 * indices are positions in the original tensor, sorted. Slicing keeps values as they were: with OBS compensation
 * (--criterion obspa, --compensate) the pruned model's surviving weights were also moved, which the map does not carry.
 */
public final class KeptIndexMap {
    public static final String FORMAT = "lopper-index-map";

    private final Map<String, long[]> shapes;
    private final Map<String, Map<Integer, int[]>> kept;
    private final Map<String, Boolean> initializer;

    private KeptIndexMap(Map<String, long[]> shapes, Map<String, Map<Integer, int[]>> kept, Map<String, Boolean> initializer) {
        this.shapes = shapes;
        this.kept = kept;
        this.initializer = initializer;
    }

    /** The map for {@code plan} (root channels kept per group) on the analyzed model. */
    public static KeptIndexMap of(GroupAnalysis analysis, GraphProto graph, PruningPlan plan) {
        Map<String, BitSet> removed = new LinkedHashMap<>();
        for (CoupledGroup g : analysis.groups()) {
            GroupPlan gp = plan.groups().get(g.id());
            if (gp == null || gp.kept().length == g.channels()) continue;
            BitSet gone = new BitSet();
            gone.set(0, g.channels());
            for (int c : gp.kept()) gone.clear(c);
            removed.put(g.id(), gone);
        }
        Map<String, Map<Integer, BitSet>> removals = PlanApplier.removals(analysis, removed);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, Boolean> init = new LinkedHashMap<>();
        for (TensorProto t : graph.getInitializerList()) {
            shapes.put(t.getName(), t.getDimsList().stream().mapToLong(Long::longValue).toArray());
            init.put(t.getName(), true);
        }
        for (NodeProto n : graph.getNodeList()) {
            if (!n.getOpType().equals("Constant") || n.getOutputCount() == 0 || shapes.containsKey(n.getOutput(0))) continue;
            n.getAttributeList().stream().filter(a -> a.getName().equals("value") && a.hasT()).findFirst().ifPresent(a -> {
                shapes.put(n.getOutput(0), a.getT().getDimsList().stream().mapToLong(Long::longValue).toArray());
                init.put(n.getOutput(0), false);
            });
        }
        Map<String, Map<Integer, int[]>> kept = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            Map<Integer, int[]> axes = new TreeMap<>();
            Map<Integer, BitSet> r = removals.get(e.getKey());
            if (r != null) {
                for (Map.Entry<Integer, BitSet> a : r.entrySet()) {
                    if (a.getValue().isEmpty()) continue;
                    int n = Math.toIntExact(e.getValue()[a.getKey()]);
                    int[] k = new int[n - a.getValue().get(0, n).cardinality()];
                    for (int p = 0, j = 0; p < n; p++) if (!a.getValue().get(p)) k[j++] = p;
                    axes.put(a.getKey(), k);
                }
            }
            kept.put(e.getKey(), axes);
        }
        return new KeptIndexMap(shapes, kept, init);
    }

    /** Original shape of every constant, by name. */
    public Map<String, long[]> shapes() { return shapes; }

    /** Per constant: axis → kept indices (sorted), for pruned axes only. */
    public Map<String, Map<Integer, int[]>> kept() { return kept; }

    public String toJson(String model, String sha256) {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", 1);
        root.put("model", model);
        root.put("sha256", sha256);
        ObjectNode inits = root.putObject("initializers"), consts = root.putObject("constants");
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            ObjectNode o = (initializer.get(e.getKey()) ? inits : consts).putObject(e.getKey());
            ArrayNode shape = o.putArray("shape");
            for (long d : e.getValue()) shape.add(d);
            ObjectNode k = o.putObject("kept");
            kept.get(e.getKey()).forEach((axis, idx) -> {
                ArrayNode a = k.putArray(String.valueOf(axis));
                for (int i : idx) a.add(i);
            });
        }
        try {
            return m.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the map atomically (like plan files: a temporary sibling renamed into place). */
    public void save(Path file, String model, String sha256) throws IOException {
        byte[] bytes = toJson(model, sha256).getBytes(StandardCharsets.UTF_8);
        dev.lopper.onnx.OutputFiles.writeAtomically(file, out -> out.write(bytes));
    }
}
