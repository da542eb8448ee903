package dev.lopper.prune.latency;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.IndexMap;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Shape;
import dev.lopper.prune.CountChooser;
import dev.lopper.prune.PruningSettings;
import dev.lopper.task.Progress;

/**
 * {@code --round-to auto}: kept counts that land on fast sizes, from a {@link LatencyTable}. A group's layers are the
 * Convs (group 1, or depthwise), Gemms and MatMuls whose weight rows (producer) or columns (consumer) are the group's
 * channels one to one; each becomes a {@link LayerSpec} with its other channel count at the original size, a producer
 * is chained with the layers reading it ({@link LayerChain}), and each chain or lone layer is timed at the candidate
 * counts of {@link ChannelCountRule}; the group's latency at a count is the sum.
 * Equal layers (ResNet's repeated blocks) share one signature and one measurement. A group with no such layer
 * (attention heads, grouped convs, concatenated or sliced channels) keeps round-to
 * {@link PruningSettings#DEFAULT_ROUND_TO} counts.
 */
public final class HardwareCounts implements CountChooser {
    private final ModelGraph graph;
    private final LatencyTable table;
    private final Map<String, List<Timed>> specs = new LinkedHashMap<>();

    public HardwareCounts(ModelGraph graph, LatencyTable table) {
        this.graph = graph;
        this.table = table;
    }

    public LatencyTable table() { return table; }

    @Override
    public int keep(CoupledGroup g, int wish, int minKeep, Progress progress) {
        List<Timed> layers = specs.computeIfAbsent(g.id(), id -> layersOf(graph, g));
        int c = g.channels();
        if (layers.isEmpty()) {
            int m = lcm(PruningSettings.DEFAULT_ROUND_TO, Math.max(1, g.multipleOf()));
            int r = (wish + m - 1) / m * m;
            return r >= c ? c : r;
        }
        int[] cand = ChannelCountRule.candidates(wish, c, minKeep, g.multipleOf());
        double[] sum = new double[cand.length];
        for (Timed s : layers) {
            progress.checkCancelled();
            double[] t = table.latencies(s, cand, progress);
            for (int i = 0; i < cand.length; i++) sum[i] += t[i];
        }
        return ChannelCountRule.choose(wish, cand, sum);
    }

    /**
     * What is timed for a group: each producer chained with the depthwise Conv and the consumer that read its output
     * (through BatchNormalization, activations, Add, Mul: at most {@link #CHAIN_DEPTH} nodes apart) as one
     * {@link LayerChain}; every layer not in a chain alone. Empty when the group has no modelled layer.
     */
    public static List<Timed> layersOf(ModelGraph graph, CoupledGroup g) {
        Map<String, LayerSpec> byNode = new LinkedHashMap<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (ParamSlice p : g.slices()) {
            if (!p.map().equals(IndexMap.IDENTITY)) continue;
            if (p.role() != ParamSlice.Role.PRODUCER_WEIGHT && p.role() != ParamSlice.Role.CONSUMER_WEIGHT
                    && p.role() != ParamSlice.Role.PER_CHANNEL) continue;
            Node n = graph.node(p.node());
            if (n == null || !n.isDefaultDomain() || !seen.add(n.name())) continue;
            LayerSpec s = spec(graph, n, p, g.channels());
            if (s != null) byNode.put(n.name(), s);
        }
        List<Timed> out = new ArrayList<>();
        java.util.Set<String> used = new java.util.HashSet<>();
        for (Map.Entry<String, LayerSpec> e : byNode.entrySet()) {
            if (e.getValue().vary() != LayerSpec.Vary.OUT) continue;
            List<LayerSpec> chain = new ArrayList<>(List.of(e.getValue()));
            List<String> names = new ArrayList<>(List.of(e.getKey()));
            String at = e.getKey();
            while (chain.get(chain.size() - 1).vary() != LayerSpec.Vary.IN) {
                String next = nextLayer(graph, graph.node(at), byNode, used);
                if (next == null || names.contains(next) || !LayerChain.fits(chain.get(chain.size() - 1), byNode.get(next))) break;
                chain.add(byNode.get(next));
                names.add(next);
                at = next;
            }
            if (chain.size() >= 2 && chain.get(chain.size() - 1).vary() == LayerSpec.Vary.IN) {
                out.add(new LayerChain(chain));
                used.addAll(names);
            }
        }
        for (Map.Entry<String, LayerSpec> e : byNode.entrySet()) if (!used.contains(e.getKey())) out.add(e.getValue());
        return out;
    }

    /** Nodes passed between a producer and the layer reading it. */
    public static final int CHAIN_DEPTH = 4;

    private static final java.util.Set<String> PASS = java.util.Set.of("BatchNormalization", "Relu", "Clip", "LeakyRelu", "Sigmoid",
            "HardSigmoid", "HardSwish", "Tanh", "Add", "Mul", "PRelu", "Elu", "Selu", "Gelu", "Identity");

    /** The first unused layer of the group reachable from {@code n}'s output through pass-through ops. */
    private static String nextLayer(ModelGraph graph, Node n, Map<String, LayerSpec> byNode, java.util.Set<String> used) {
        List<Node> frontier = List.of(n);
        for (int d = 0; d <= CHAIN_DEPTH && !frontier.isEmpty(); d++) {
            List<Node> next = new ArrayList<>();
            for (Node f : frontier) {
                for (Node c : graph.consumers(f.output(0))) {
                    if (byNode.containsKey(c.name())) {
                        if (!used.contains(c.name())) return c.name();
                    } else if (PASS.contains(c.opType())) {
                        next.add(c);
                    }
                }
            }
            frontier = next;
        }
        return null;
    }

    private static LayerSpec spec(ModelGraph graph, Node n, ParamSlice p, int channels) {
        Shape w = graph.shape(n.input(1));
        Shape x = graph.shape(n.input(0));
        if (!w.isStatic() || !x.hasRank()) return null;
        switch (n.opType()) {
            case "Conv": {
                if (w.rank() != 4 || x.rank() != 4 || !p.tensor().equals(n.input(1))) return null;
                String autoPad = n.attrString("auto_pad", "NOTSET");
                if (!autoPad.equals("NOTSET")) return null;
                long h = x.dim(2), wd = x.dim(3), cin = x.dim(1);
                int group = (int) n.attrInt("group", 1);
                int cout = (int) w.dim(0);
                if (h < 1 || wd < 1 || cin < 1) return null;
                LayerSpec.Vary vary;
                if (group == 1) {
                    if (p.role() == ParamSlice.Role.PRODUCER_WEIGHT && p.axis() == 0 && cout == channels) vary = LayerSpec.Vary.OUT;
                    else if (p.role() == ParamSlice.Role.CONSUMER_WEIGHT && p.axis() == 1 && cin == channels) vary = LayerSpec.Vary.IN;
                    else return null;
                } else if (group == cin && cout == cin && w.dim(1) == 1 && p.axis() == 0 && cout == channels) {
                    vary = LayerSpec.Vary.BOTH;
                } else {
                    return null;
                }
                long[] kernel = {w.dim(2), w.dim(3)};
                long[] strides = ints(n, "strides", 2, 1);
                long[] dil = ints(n, "dilations", 2, 1);
                long[] pads = ints(n, "pads", 4, 0);
                if (strides == null || dil == null || pads == null) return null;
                return new LayerSpec("Conv", vary, (int) cin, cout, 1, h, wd, kernel, strides, pads, dil, group, reluAfter(graph, n));
            }
            case "Gemm": {
                if (!p.tensor().equals(n.input(1)) || n.attrInt("transA", 0) != 0 || x.rank() != 2 || w.rank() != 2) return null;
                boolean tb = n.attrInt("transB", 0) != 0;
                long k = tb ? w.dim(1) : w.dim(0), nOut = tb ? w.dim(0) : w.dim(1);
                long rows = Math.max(1, x.dim(0));
                return linear("Gemm", p, rows, k, nOut, channels);
            }
            case "MatMul": {
                if (!p.tensor().equals(n.input(1)) || w.rank() != 2 || x.rank() < 2) return null;
                long rows = 1;
                for (int i = 0; i < x.rank() - 1; i++) rows *= Math.max(1, x.dim(i)); // a dynamic batch counts as 1
                return linear("MatMul", p, rows, w.dim(0), w.dim(1), channels);
            }
            default:
                return null;
        }
    }

    private static LayerSpec linear(String op, ParamSlice p, long rows, long k, long nOut, int channels) {
        LayerSpec.Vary vary;
        if (p.role() == ParamSlice.Role.PRODUCER_WEIGHT && nOut == channels) vary = LayerSpec.Vary.OUT;
        else if (p.role() == ParamSlice.Role.CONSUMER_WEIGHT && k == channels) vary = LayerSpec.Vary.IN;
        else return null;
        return new LayerSpec(op, vary, (int) k, (int) nOut, rows, 1, 1, new long[] {1, 1}, new long[] {1, 1}, new long[4],
                new long[] {1, 1}, 1, false);
    }

    private static long[] ints(Node n, String name, int len, long dflt) {
        if (!n.hasAttribute(name)) {
            long[] d = new long[len];
            java.util.Arrays.fill(d, dflt);
            return d;
        }
        long[] v = n.attrInts(name);
        return v.length == len ? v : null;
    }

    /** A Relu reads the Conv's output (directly or after a BatchNormalization), alone. */
    private static boolean reluAfter(ModelGraph graph, Node n) {
        List<Node> next = graph.consumers(n.output(0));
        if (next.size() == 1 && next.get(0).opType().equals("BatchNormalization")) next = graph.consumers(next.get(0).output(0));
        return next.size() == 1 && next.get(0).opType().equals("Relu");
    }

    private static int lcm(int a, int b) {
        int x = a, y = b;
        while (y != 0) {
            int t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }
}
