package dev.lopper.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.task.CancellationToken;
import dev.lopper.task.Progress;

/**
 * Per-node times from ONNX Runtime's profiler. The session runs at {@link GraphOptimization#BASIC} (or
 * NONE) so nodes keep their names (BASIC may still fold constants or fuse a BatchNormalization into the
 * Conv before it; that time then counts for the Conv). Nodes without a unique name are renamed first, in
 * memory, to the names {@code ModelGraph.raw} gives them, so every time maps back to a graph node.
 */
public final class NodeProfiler {
    private static final String KERNEL_SUFFIX = "_kernel_time";

    private NodeProfiler() {}

    public static NodeProfile profile(ModelSource source, SessionConfig config, Map<String, HostTensor> inputs,
                                      LatencyOptions runs, CancellationToken cancel, Progress progress) {
        SessionConfig cfg = config.optimization() == GraphOptimization.NONE ? config
                : config.withOptimization(GraphOptimization.BASIC);
        ModelSource named = withGraphNodeNames(source);
        Path dir;
        try {
            dir = Files.createTempDirectory("lopper-profile");
        } catch (IOException e) {
            throw new EvalException("cannot create a temporary folder for the profile: " + e.getMessage());
        }
        Path file = null;
        try (EvalSession session = EvalSession.open(named, cfg, dir.resolve("ort").toString())) {
            if (cancel != null) session.cancelOn(cancel);
            Map<String, HostTensor> feed = inputs != null ? inputs
                    : RandomInputs.forSession(session, ShapePolicy.DEFAULT.withBatchSize(cfg.batchSize()), null, RandomInputs.DEFAULT_SEED);
            LatencyBenchmark.measure(session, feed, runs, LatencyListener.NONE, progress);
            file = Path.of(session.endProfiling());
            return parse(file, runs.timedRuns());
        } finally {
            try {
                if (file != null) Files.deleteIfExists(file);
                try (var s = Files.list(dir)) {
                    for (Path p : s.toList()) Files.deleteIfExists(p);
                }
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // temp files only
            }
        }
    }

    /** Parses an ORT profile JSON; only the last {@code runs} model runs count. */
    public static NodeProfile parse(Path file, int runs) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new EvalException(file + ": not an ONNX Runtime profile (" + EvalException.firstLine(e.getMessage()) + ")");
        }
        JsonNode events = root.isArray() ? root : root.path("traceEvents");
        List<double[]> windows = new ArrayList<>();
        for (JsonNode e : events) {
            if ("Session".equals(e.path("cat").asText()) && "model_run".equals(e.path("name").asText())) {
                double ts = e.path("ts").asDouble();
                windows.add(new double[] {ts, ts + e.path("dur").asDouble()});
            }
        }
        windows.sort(Comparator.comparingDouble(w -> w[0]));
        int keep = Math.min(runs, windows.size());
        List<double[]> timed = windows.subList(windows.size() - keep, windows.size());
        if (timed.isEmpty()) throw new EvalException(file + ": the profile holds no model runs");
        double start = timed.get(0)[0];
        Map<String, Double> total = new LinkedHashMap<>();
        Map<String, String> ops = new HashMap<>();
        for (JsonNode e : events) {
            if (!"Node".equals(e.path("cat").asText())) continue;
            String name = e.path("name").asText();
            if (!name.endsWith(KERNEL_SUFFIX)) continue;
            double ts = e.path("ts").asDouble();
            if (ts < start || !inside(timed, ts)) continue;
            String node = name.substring(0, name.length() - KERNEL_SUFFIX.length());
            total.merge(node, e.path("dur").asDouble(), Double::sum);
            ops.putIfAbsent(node, e.path("args").path("op_name").asText(""));
        }
        List<NodeTime> nodes = new ArrayList<>();
        total.forEach((n, us) -> nodes.add(new NodeTime(n, ops.get(n), us / keep)));
        nodes.sort(Comparator.comparingDouble(NodeTime::micros).reversed());
        double runMicros = timed.stream().mapToDouble(w -> w[1] - w[0]).average().orElse(0);
        return new NodeProfile(List.copyOf(nodes), keep, runMicros);
    }

    private static boolean inside(List<double[]> windows, double ts) {
        for (double[] w : windows) if (ts >= w[0] && ts <= w[1]) return true;
        return false;
    }

    /** The graph's node names, as {@code ModelGraph.raw} assigns them: own name, else OpType_index; repeats get ~k. */
    public static List<String> graphNodeNames(GraphProto g) {
        Map<String, Integer> seen = new HashMap<>();
        List<String> names = new ArrayList<>(g.getNodeCount());
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto p = g.getNode(i);
            String base = p.getName().isEmpty() ? p.getOpType() + "_" + i : p.getName();
            int c = seen.merge(base, 1, Integer::sum);
            names.add(c == 1 ? base : base + "~" + (c - 1));
        }
        return names;
    }

    static ModelSource withGraphNodeNames(ModelSource source) {
        ModelProto proto = source.proto();
        GraphProto g = proto.getGraph();
        List<String> names = graphNodeNames(g);
        boolean same = true;
        for (int i = 0; i < names.size() && same; i++) same = names.get(i).equals(g.getNode(i).getName());
        if (same) return source;
        GraphProto.Builder gb = g.toBuilder();
        for (int i = 0; i < names.size(); i++) gb.getNodeBuilder(i).setName(names.get(i));
        return ModelSource.of(proto.toBuilder().setGraph(gb).build(), source.externalDataDir(), source.label());
    }
}
