package dev.lopper.analysis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.lopper.graph.ModelGraph;

/**
 * The coupled channel groups of a model, lookups by id, node and tensor, a summary, and (for the plan
 * applier) what every tensor axis and rewrite becomes for given kept channel counts.
 */
public final class GroupAnalysis {
    /**
     * @param groups                number of groups
     * @param prunable              groups that may be pruned
     * @param locked                groups that are locked
     * @param prunableParamFraction fraction of all parameters with at least one coordinate in a prunable group
     * @param prunableMacFraction   the same for MACs of Conv/ConvTranspose/Gemm/MatMul
     * @param totalParams           parameters, by the one definition of {@link dev.lopper.graph.Metrics}
     * @param totalMacs             MACs as {@link dev.lopper.graph.Metrics} defines them (unknown dynamic dims count as 1)
     */
    public record Summary(int groups, int prunable, int locked, double prunableParamFraction,
                          double prunableMacFraction, long totalParams, long totalMacs) { }

    private final ModelGraph graph;
    private final List<CoupledGroup> groups;
    private final Map<String, CoupledGroup> byId = new LinkedHashMap<>();
    private final Map<String, List<CoupledGroup>> byNode = new LinkedHashMap<>();
    private final Map<String, List<CoupledGroup>> byTensor = new LinkedHashMap<>();
    private final Summary summary;
    private final Map<String, Dim[]> tensorDims;
    private final List<Rewrite> rewrites;
    private final Map<Dim, String> leafGroup;
    private List<String> unhandledNodes = List.of();
    private List<Dim[]> paramTensors = List.of();
    private long fixedParams;
    private List<List<Dim>> macTerms = List.of();
    private long[] macConstants = new long[0];

    GroupAnalysis(ModelGraph graph, List<CoupledGroup> groups, Summary summary, Map<String, Dim[]> tensorDims,
                  List<Rewrite> rewrites, Map<Dim, String> leafGroup) {
        this.graph = graph;
        this.groups = List.copyOf(groups);
        this.summary = summary;
        this.tensorDims = Collections.unmodifiableMap(tensorDims);
        this.rewrites = List.copyOf(rewrites);
        this.leafGroup = leafGroup;
        for (CoupledGroup g : this.groups) {
            byId.put(g.id(), g);
            for (Member m : g.members()) {
                addTo(byNode, m.node(), g);
                addTo(byTensor, m.tensor(), g);
            }
            for (ParamSlice s : g.slices()) {
                addTo(byNode, s.node(), g);
                addTo(byTensor, s.tensor(), g);
            }
        }
    }

    private static void addTo(Map<String, List<CoupledGroup>> m, String k, CoupledGroup g) {
        List<CoupledGroup> l = m.computeIfAbsent(k, x -> new ArrayList<>());
        if (l.isEmpty() || l.get(l.size() - 1) != g) { if (!l.contains(g)) l.add(g); }
    }

    public ModelGraph graph() { return graph; }

    /** Every reason a node could not be analyzed (unsupported ops, computed shapes), in graph order. */
    public List<String> unhandledNodes() { return unhandledNodes; }

    void setUnhandledNodes(List<String> reasons) { unhandledNodes = List.copyOf(reasons); }

    /**
     * A stored constant several nodes read whose readers' channels are independent: one copy per class of
     * readers ({@code classes}: each class's dims, null when unknown). Unpruned it is one tensor; once any class
     * loses channels every class reads its own copy.
     */
    public record SharedParams(long elements, List<Dim[]> classes) { }

    /** Who reads each copy of a shared constant: class k's node names, for the plan applier. */
    public record SharedCopy(String original, int copy, List<String> nodes) { }

    private List<SharedParams> shared = List.of();
    private Map<String, List<SharedCopy>> sharedCopies = Map.of();

    void setShared(List<SharedParams> params, Map<String, List<GroupAnalyzer.CopyClass>> classes) {
        shared = List.copyOf(params);
        Map<String, List<SharedCopy>> m = new LinkedHashMap<>();
        classes.forEach((t, cl) -> {
            if (cl.size() < 2) return;
            List<SharedCopy> l = new ArrayList<>();
            for (GroupAnalyzer.CopyClass c : cl) l.add(new SharedCopy(t, c.index(), List.copyOf(c.nodes())));
            m.put(t, List.copyOf(l));
        });
        sharedCopies = Collections.unmodifiableMap(m);
    }

    /** Shared constants that are cloned per class of readers when any class loses channels (≥ 2 classes each). */
    public Map<String, List<SharedCopy>> sharedCopies() { return sharedCopies; }

    private Map<String, List<String>> couplings = Map.of();

    void setCouplings(Map<String, List<String>> byGroup) { couplings = byGroup; }

    /**
     * The nodes whose rules tied this group's channels together (an Add tying two branches, a Concat placing
     * its inputs, a Reshape splitting heads, a Conv reading them), in graph order; empty for an unknown id.
     */
    public List<String> couplings(String groupId) { return couplings.getOrDefault(groupId, List.of()); }

    void setCosts(List<Dim[]> params, long fixed, List<List<Dim>> macs, long[] constants) {
        paramTensors = List.copyOf(params);
        fixedParams = fixed;
        macTerms = List.copyOf(macs);
        macConstants = constants.clone();
    }

    /**
     * Parameters left once each group keeps {@code keptCounts.get(id)} channels (absent: all): every floating
     * constant counted with its axes' new sizes. {@code paramsAfter(Map.of()) == summary().totalParams()}.
     */
    public long paramsAfter(Map<String, Integer> keptCounts) {
        long total = fixedParams;
        for (Dim[] dims : paramTensors) {
            long n = 1;
            for (Dim d : dims) n *= Math.max(0, newSize(d, keptCounts));
            total += n;
        }
        for (SharedParams sp : shared) {
            long sum = 0;
            boolean changed = false;
            for (Dim[] dims : sp.classes()) {
                if (dims == null) { sum += sp.elements(); continue; }
                long n = 1;
                for (Dim d : dims) {
                    long s = Math.max(0, newSize(d, keptCounts));
                    changed |= s != d.size();
                    n *= s;
                }
                sum += n;
            }
            total += changed ? sum : sp.elements();
        }
        return total;
    }

    /**
     * MACs left for the given kept counts, by the one definition of {@link dev.lopper.graph.Metrics} (every op it
     * counts, each axis with its new size; unknown dynamic dims count as 1).
     * {@code macsAfter(Map.of()) == summary().totalMacs() == Metrics.of(graph()).macs()}.
     */
    public double macsAfter(Map<String, Integer> keptCounts) {
        double total = 0;
        for (int i = 0; i < macTerms.size(); i++) {
            List<Dim> term = macTerms.get(i);
            double m = macConstants[i];
            for (Dim d : term) m *= Math.max(1, newSize(d, keptCounts));
            total += m;
        }
        return total;
    }

    /** Groups in a stable order (creation order of their root dimension along the topological walk). */
    public List<CoupledGroup> groups() { return groups; }

    public CoupledGroup group(String id) { return byId.get(id); }

    /** Groups whose members or slices involve the node. */
    public List<CoupledGroup> groupsOfNode(String node) { return byNode.getOrDefault(node, List.of()); }

    /** Groups whose members or slices involve the tensor. */
    public List<CoupledGroup> groupsOfTensor(String tensor) { return byTensor.getOrDefault(tensor, List.of()); }

    public List<CoupledGroup> prunableGroups() { return groups.stream().filter(CoupledGroup::isPrunable).toList(); }

    public Summary summary() { return summary; }

    // ---- for the plan applier ----

    /** Dims of every tensor the analysis described (activations and constants). */
    public Map<String, Dim[]> tensorDims() { return tensorDims; }

    public List<Rewrite> rewrites() { return rewrites; }

    /**
     * Size of a dimension once each group keeps {@code keptCounts.get(id)} channels (absent: all).
     * Returns -1 for a dimension of unknown (dynamic) size.
     */
    public long newSize(Dim d, Map<String, Integer> keptCounts) { return newSize(d, keptCounts, 0); }

    private long newSize(Dim d, Map<String, Integer> kept, int depth) {
        Dim r = DimSpace.find(d);
        if (depth > 64) return r.size;
        if (r.layout == null) {
            String g = leafGroup.get(r);
            if (g != null && kept.containsKey(g)) return kept.get(g);
            return r.size;
        }
        long s = r.layout == Dim.Layout.SUM ? 0 : 1;
        for (Dim p : r.parts) {
            long v = newSize(p, kept, depth + 1);
            if (v < 0) return -1;
            s = r.layout == Dim.Layout.SUM ? s + v : s * v;
        }
        return s;
    }

    /** True when a dimension's size depends on one of the given groups. */
    public boolean dependsOn(Dim d, java.util.Set<String> groupIds) {
        return dependsOn(d, groupIds, 0);
    }

    private boolean dependsOn(Dim d, java.util.Set<String> ids, int depth) {
        Dim r = DimSpace.find(d);
        if (depth > 64) return false;
        if (r.layout == null) { String g = leafGroup.get(r); return g != null && ids.contains(g); }
        for (Dim p : r.parts) if (dependsOn(p, ids, depth + 1)) return true;
        return false;
    }

    // ---- printing ----

    /** A printable table of the groups followed by the summary. */
    public String table(boolean allMembers) {
        StringBuilder b = new StringBuilder();
        int idw = 10;
        for (CoupledGroup g : groups) idw = Math.max(idw, Math.min(60, g.id().length()));
        String fmt = "%-" + idw + "s %8s %-8s %7s %12s %14s  %s%n";
        b.append(String.format(Locale.ROOT, fmt, "GROUP", "CHANNELS", "STATUS", "MEMBERS", "PARAMS/CH", "MACS/CH", "NODES / REASON"));
        for (CoupledGroup g : groups) {
            List<String> nodes = g.memberNodes();
            String nodeList = allMembers || nodes.size() <= 4 ? String.join(", ", nodes)
                    : String.join(", ", nodes.subList(0, 4)) + ", … (" + nodes.size() + " nodes)";
            String id = g.id().length() > 60 ? "…" + g.id().substring(g.id().length() - 59) : g.id();
            b.append(String.format(Locale.ROOT, fmt, id, g.channels(), g.status(), g.members().size() + g.slices().size(),
                    g.paramsPerChannel(), g.macsPerChannel(), nodeList));
            for (String r : g.lockReasons()) b.append(String.format(Locale.ROOT, "%-" + idw + "s   locked: %s%n", "", r));
        }
        if (!unhandledNodes.isEmpty()) {
            b.append("Not analyzed (their channels are locked):\n");
            for (String r : unhandledNodes) b.append("  ").append(r).append('\n');
        }
        b.append(summaryLine());
        return b.toString();
    }

    public String summaryLine() {
        Summary s = summary;
        return String.format(Locale.ROOT, "%d groups: %d prunable, %d locked; prunable params %.1f%% of %d, prunable MACs %.1f%% of %d%n",
                s.groups(), s.prunable(), s.locked(), 100 * s.prunableParamFraction(), s.totalParams(),
                100 * s.prunableMacFraction(), s.totalMacs());
    }
}
