package dev.lopper.prune;

import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.Member;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Shape;

/**
 * Counts a plan's cost from the groups' parameter slices, without rewriting the model.
 * <ul>
 *   <li>Parameters, exact: every constant tensor a removed channel touches keeps Π over its axes of
 *   (size − removed positions on that axis), the removed positions of all groups on an axis united — so a conv
 *   losing rows to one group and columns to another shrinks by the product (the quadratic effect).</li>
 *   <li>MACs, with per-node MACs (from the graph metrics): a node with sliced weights keeps
 *   macs × (weight elements after / before) of its largest sliced weight; a node with no sliced weight but a
 *   group member keeps macs × kept/C of that group; other nodes are unchanged.</li>
 *   <li>MACs of nodes no slice reveals (the original's MACs minus the per-node MACs given; e.g. attention's weightless
 *   MatMuls), an estimate: they shrink with the mean kept fraction of the prunable groups' channels.</li>
 *   <li>MACs without per-node MACs, an estimate: each sliced weight tensor T is given
 *   |T| × mean over its groups of (macsPerChannel / paramsPerChannel) MACs, which scale like its elements.</li>
 * </ul>
 */
public final class SliceCostModel implements CostCounter {
    private final List<CoupledGroup> groups;
    private final Map<String, CoupledGroup> byId = new LinkedHashMap<>();
    private final Function<String, long[]> dims;
    private final ModelCost before;
    private final Map<String, Long> nodeMacs;
    private final Map<String, Double> estimatedTensorMacs = new HashMap<>();
    private final long unseenMacs;

    /**
     * @param dims     constant tensor name → dims
     * @param before   the original model's params and MACs
     * @param nodeMacs node name → MACs of the original, or null to estimate from the groups
     */
    public SliceCostModel(List<CoupledGroup> groups, Function<String, long[]> dims, ModelCost before,
                          Map<String, Long> nodeMacs) {
        this.groups = List.copyOf(groups);
        for (CoupledGroup g : groups) byId.put(g.id(), g);
        this.dims = dims;
        this.before = before;
        this.nodeMacs = nodeMacs;
        long seen = 0;
        if (nodeMacs != null) for (long v : nodeMacs.values()) seen += v;
        this.unseenMacs = nodeMacs == null ? 0 : Math.max(0, before.macs() - seen);
        if (nodeMacs == null) {
            Map<String, double[]> acc = new HashMap<>();
            for (CoupledGroup g : groups) {
                if (g.paramsPerChannel() <= 0) continue;
                double rho = (double) g.macsPerChannel() / g.paramsPerChannel();
                for (ParamSlice s : g.slices()) {
                    if (!isWeight(s)) continue;
                    double[] a = acc.computeIfAbsent(s.tensor(), k -> new double[2]);
                    a[0] += rho;
                    a[1]++;
                }
            }
            acc.forEach((t, a) -> estimatedTensorMacs.put(t, elements(dims.apply(t)) * a[0] / a[1]));
        }
    }

    /**
     * MACs of every node that produces a group's channels through a weight, without knowing its op type. A weight
     * whose output channels lie on axis 0 (Conv, Gemm with transB) is used once per output position: |W| × |Y| / Y[c]
     * (Conv: Cout·Cin/g·k² · N·H·W; depthwise: C·k² · N·H·W). A weight whose output channels lie on axis 1
     * (MatMul [in, out], ConvTranspose [Cin, Cout/g, k, k]) is used once per input position: |W| × |X| / W[0].
     * Unknown dims count as 1; nodes whose shapes are unknown or implausible (overflow) are left out.
     */
    public static Map<String, Long> nodeMacs(ModelGraph graph, List<CoupledGroup> groups, Function<String, long[]> dims) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (CoupledGroup g : groups) {
            for (ParamSlice s : g.slices()) {
                if (s.role() != Role.PRODUCER_WEIGHT || out.containsKey(s.node())) continue;
                Node n = graph.node(s.node());
                if (n == null) continue;
                long[] w = dims.apply(s.tensor());
                if (w.length == 0) continue;
                double uses = -1;
                if (s.axis() == 0) {
                    for (Member m : g.members()) {
                        if (!m.node().equals(s.node()) || !n.outputs().contains(m.tensor())) continue;
                        Shape y = graph.shape(m.tensor());
                        if (!y.hasRank()) continue;
                        int axis = y.normalize(m.axis());
                        uses = 1;
                        for (int i = 0; i < y.rank(); i++) if (i != axis) uses *= Math.max(1, y.dim(i));
                        break;
                    }
                } else {
                    Shape x = graph.shape(n.input(0));
                    if (x.hasRank() && w[0] > 0) {
                        uses = 1;
                        for (int i = 0; i < x.rank(); i++) uses *= Math.max(1, x.dim(i));
                        uses /= w[0];
                    }
                }
                double macs = uses * elements(w);
                if (uses >= 1 && macs < 1e17) out.put(s.node(), Math.round(macs));
            }
        }
        return out;
    }

    /** Estimated MACs in the sliced weights of all groups (a lower bound of the model's MACs), for when no metrics exist. */
    public double estimatedSlicedMacs() {
        return estimatedTensorMacs.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    public ModelCost before() { return before; }

    @Override
    public ModelCost count(Map<String, GroupPlan> plan) {
        // removed positions per (tensor, axis)
        Map<String, Map<Integer, BitSet>> removed = new HashMap<>();
        Map<String, String> tensorOf = new HashMap<>();
        Map<String, Integer> copiesOf = new HashMap<>(); // shared constants: copies once any is sliced
        for (GroupPlan gp : plan.values()) {
            CoupledGroup g = byId.get(gp.id());
            if (g == null) throw new IllegalArgumentException("plan names unknown group " + gp.id());
            int[] gone = gp.removed();
            if (gone.length == 0) continue;
            for (ParamSlice s : g.slices()) {
                long[] d = dims.apply(s.tensor());
                int axis = s.axis() < 0 ? s.axis() + d.length : s.axis();
                BitSet b = removed.computeIfAbsent(s.storageKey(), k -> new HashMap<>())
                        .computeIfAbsent(axis, k -> new BitSet());
                tensorOf.put(s.storageKey(), s.tensor());
                if (s.copies() > 1) copiesOf.put(s.tensor(), s.copies());
                for (int p : s.map().indicesOf(gone)) b.set(p);
            }
        }
        long paramsRemoved = 0;
        Map<String, Double> keptFraction = new HashMap<>();
        Map<String, Integer> touchedCopies = new HashMap<>();
        for (Map.Entry<String, Map<Integer, BitSet>> e : removed.entrySet()) {
            String tensor = tensorOf.get(e.getKey());
            long[] d = dims.apply(tensor);
            if (copiesOf.containsKey(tensor) && touchedCopies.merge(tensor, 1, Integer::sum) > 1) {
                paramsRemoved -= elements(d); // every further sliced copy is a tensor of its own
            }
            long all = elements(d);
            long after = 1;
            for (int a = 0; a < d.length; a++) {
                BitSet b = e.getValue().get(a);
                after *= d[a] - (b == null ? 0 : b.cardinality());
            }
            paramsRemoved += all - after;
            keptFraction.put(tensor, Math.min(keptFraction.getOrDefault(tensor, 1.0), all == 0 ? 1 : (double) after / all));
        }
        // copies no group slices are whole tensors of their own
        for (Map.Entry<String, Integer> e : touchedCopies.entrySet()) {
            paramsRemoved -= (copiesOf.get(e.getKey()) - e.getValue()) * elements(dims.apply(e.getKey()));
        }
        double macsRemoved = 0;
        if (nodeMacs == null) {
            for (Map.Entry<String, Double> e : estimatedTensorMacs.entrySet()) {
                Double f = keptFraction.get(e.getKey());
                if (f != null) macsRemoved += e.getValue() * (1 - f);
            }
        } else {
            macsRemoved = nodeMacsRemoved(plan, keptFraction) + unseenMacs * (1 - meanKeptFraction(plan));
        }
        return new ModelCost(before.params() - paramsRemoved, Math.max(0, before.macs() - Math.round(macsRemoved)));
    }

    private double nodeMacsRemoved(Map<String, GroupPlan> plan, Map<String, Double> keptFraction) {
        Map<String, String> weightOfNode = new HashMap<>();
        Map<String, Long> weightSize = new HashMap<>();
        Map<String, Double> memberFraction = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (CoupledGroup g : groups) {
            for (ParamSlice s : g.slices()) {
                if (!isWeight(s)) continue;
                long n = elements(dims.apply(s.tensor()));
                if (n > weightSize.getOrDefault(s.node(), -1L)) {
                    weightSize.put(s.node(), n);
                    weightOfNode.put(s.node(), s.tensor());
                }
            }
            GroupPlan gp = plan.get(g.id());
            if (gp == null || gp.removedCount() == 0) continue;
            for (Member m : g.members()) {
                if (!seen.add(g.id() + "|" + m.node())) continue;
                memberFraction.merge(m.node(), (double) gp.keptCount() / g.channels(), (a, b) -> a * b);
            }
        }
        double removedMacs = 0;
        for (Map.Entry<String, Long> e : nodeMacs.entrySet()) {
            String w = weightOfNode.get(e.getKey());
            double f = w != null ? keptFraction.getOrDefault(w, 1.0) : memberFraction.getOrDefault(e.getKey(), 1.0);
            removedMacs += e.getValue() * (1 - f);
        }
        return removedMacs;
    }

    /** Σ kept / Σ channels over the prunable groups. */
    private double meanKeptFraction(Map<String, GroupPlan> plan) {
        long kept = 0, all = 0;
        for (CoupledGroup g : groups) {
            if (!g.isPrunable()) continue;
            GroupPlan gp = plan.get(g.id());
            kept += gp == null ? g.channels() : gp.keptCount();
            all += g.channels();
        }
        return all == 0 ? 1 : (double) kept / all;
    }

    static boolean isWeight(ParamSlice s) {
        return s.role() == Role.PRODUCER_WEIGHT || s.role() == Role.CONSUMER_WEIGHT || s.role() == Role.PER_CHANNEL;
    }

    static long elements(long[] d) {
        long n = 1;
        for (long x : d) n *= x;
        return n;
    }
}
