package dev.lopper.analysis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.lopper.analysis.rules.Rules;
import dev.lopper.graph.Metrics;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Shape;
import dev.lopper.onnx.ElementType;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.task.Progress;

/**
 * Finds the coupled channel groups of a graph: walks the nodes in topological order, lets each op's rule
 * tie channel dimensions together (union-find), then turns every channel leaf into a {@link CoupledGroup}
 * with its members, parameter slices, lock reasons, and per-channel params and MACs. Linear in the graph.
 */
public final class GroupAnalyzer {
    private GroupAnalyzer() {}

    private static final boolean DEBUG = Boolean.getBoolean("lopper.debugRules");

    public static GroupAnalysis analyze(ModelGraph graph, Progress progress) {
        return analyze(graph, AnalysisOptions.DEFAULT, progress);
    }

    public static GroupAnalysis analyze(ModelGraph graph, AnalysisOptions options, Progress progress) {
        AnalysisContext ctx = new AnalysisContext(graph);
        java.util.Map<String, String> caches = dev.lopper.graph.KvCache.pairs(graph);
        for (String in : graph.inputs()) {
            Shape s = graph.shape(in);
            if (!s.hasRank()) continue;
            Dim[] d = new Dim[s.rank()];
            for (int i = 0; i < d.length; i++) d[i] = ctx.space.fresh(s.dims()[i], null);
            ctx.dims.put(in, d);
            if (options.lockGraphInputs() && !caches.containsKey(in)) {
                for (int i = 0; i < d.length; i++) {
                    ctx.space.markChannel(d[i], "input:" + in + "/" + i);
                    ctx.space.lock(d[i], "graph input '" + in + "'");
                }
            }
        }
        List<Node> nodes = graph.nodes();
        int total = nodes.size();
        for (int i = 0; i < total; i++) {
            Node n = ctx.unshare(nodes.get(i));
            if ((i & 255) == 0) {
                progress.checkCancelled();
                progress.update("Analyzing channel couplings", i, total);
            }
            analyzeNode(n, ctx, 0);
        }
        if (options.lockGraphOutputs()) {
            for (String out : graph.outputs()) {
                if (caches.containsValue(out)) continue; // a KV cache: see KvCache
                ctx.lockTensor(graph.resolve(out), "graph output '" + out + "'");
            }
        }
        progress.update("Building groups", total, total);
        return build(graph, ctx);
    }

    private static void analyzeNode(Node n, AnalysisContext ctx, int depth) {
        if (n.hasSubgraphs() && n.isDefaultDomain() && n.opType().equals("If") && depth < 16) {
            String why = analyzeIf(n, ctx, depth);
            if (why == null) return;
            String reason = why + " at If node '" + n.name() + "'";
            ctx.lockAll(n, reason);
            for (String t : outerNames(n)) ctx.lockTensor(t, reason);
            return;
        }
        if (n.hasSubgraphs() && n.isDefaultDomain() && n.opType().equals("Loop") && depth < 16) {
            String why = analyzeLoop(n, ctx, depth);
            if (why == null) return;
            String reason = why + " at Loop node '" + n.name() + "'";
            ctx.lockAll(n, reason);
            for (String t : outerNames(n)) ctx.lockTensor(t, reason);
            return;
        }
        if (n.hasSubgraphs() && n.isDefaultDomain() && n.opType().equals("Scan") && depth < 16) {
            String why = analyzeScan(n, ctx, depth);
            if (why == null) return;
            String reason = why + " at Scan node '" + n.name() + "'";
            ctx.lockAll(n, reason);
            for (String t : outerNames(n)) ctx.lockTensor(t, reason);
            return;
        }
        OpRule rule = n.hasSubgraphs() ? null : Rules.forOp(n.domain(), n.opType());
        if (rule == null) {
            String op = n.isDefaultDomain() ? n.opType() : n.domain() + "." + n.opType();
            String reason = "no rule for op '" + op + "' at node '" + n.name() + "'";
            ctx.lockAll(n, reason);
            // subgraphs (If/Loop/Scan bodies) read outer tensors by name, without listing them as inputs
            if (n.hasSubgraphs()) for (String t : outerNames(n)) ctx.lockTensor(t, reason);
            return;
        }
        try {
            rule.apply(n, ctx);
        } catch (OpRule.RuleFailure f) {
            if (DEBUG) System.err.println("rule failure: " + f.getMessage());
            ctx.lockAll(n, f.getMessage());
        } catch (RuntimeException e) {
            ctx.lockAll(n, "cannot analyze node '" + n.name() + "' (" + n.opType() + "): " + e.getMessage());
        }
        ctx.propagateTaint(n);
    }

    /**
     * An If: both branches are walked with the same rules, in the same dimension space (a tensor of the outer scope
     * a branch reads carries its dims in), and output k of the If is output k of either branch, so the two are
     * unified: a Conv in each branch producing the If's output is one group. Returns null when done, else why the
     * If cannot be analyzed (then everything it touches is locked).
     */
    private static String analyzeIf(Node n, AnalysisContext ctx, int depth) {
        ModelGraph outer = ctx.graph;
        ctx.nodeNames(); // the main graph's names, taken before any branch is walked
        List<dev.lopper.graph.SubgraphCost.Body> bodies;
        try {
            bodies = dev.lopper.graph.SubgraphCost.bodies(outer, n);
        } catch (RuntimeException e) {
            return "cannot read the branches (" + e.getMessage() + ")";
        }
        if (bodies.size() != 2) return "an If without two branches";
        for (var b : bodies) {
            if (!b.graph().inputs().isEmpty()) return "a branch with inputs";
            if (b.graph().outputs().size() != n.outputs().size()) return "branch outputs do not match the If's outputs";
        }
        // the then branch first (bodies() sorts else_branch first)
        List<ModelGraph> order = new ArrayList<>();
        for (var b : bodies) if (b.attribute().equals("then_branch")) order.add(b.graph());
        for (var b : bodies) if (b.attribute().equals("else_branch")) order.add(b.graph());
        if (order.size() != 2) return "an If without then_branch and else_branch";
        String saved = ctx.body;
        List<Dim[]> outs = new ArrayList<>();
        try {
            for (ModelGraph g : order) {
                ctx.graph = g;
                ctx.body = saved != null ? saved : "a branch of If '" + n.name() + "'";
                ctx.addBodyConstants(g);
                String attr = g == order.get(0) ? "then_branch" : "else_branch";
                analyzeBodyNodes(n, attr, g, ctx, depth);
                for (String o : g.outputs()) outs.add(ctx.dims(o));
            }
        } finally {
            ctx.graph = outer;
            ctx.body = saved;
        }
        ctx.analyzedBodies.put(n.name(), order);
        int k = n.outputs().size();
        for (int i = 0; i < k; i++) {
            Dim[] a = outs.get(i), b = outs.get(k + i);
            String out = n.output(i);
            if (out.isEmpty()) continue;
            if (a == null || b == null || a.length != b.length) {
                String reason = "the branches of If '" + n.name() + "' give output " + i + " different ranks";
                if (a != null) for (Dim d : a) ctx.space.lock(d, reason);
                if (b != null) for (Dim d : b) ctx.space.lock(d, reason);
                continue;
            }
            for (int x = 0; x < a.length; x++) ctx.unify(a[x], b[x], n.name());
            ctx.setDims(out, a.clone());
        }
        return null;
    }

    /**
     * Analyzes the nodes of a Loop's or Scan's body in the outer dimension space, body input i starting with
     * {@code seeds[i]} (null: its own dims); returns the dims of the body's outputs. The node feeds every body input.
     */
    private static List<Dim[]> walkBody(Node n, String op, ModelGraph g, Dim[][] seeds, AnalysisContext ctx, int depth) {
        ModelGraph outer = ctx.graph;
        String saved = ctx.body;
        List<Dim[]> outs = new ArrayList<>();
        try {
            ctx.graph = g;
            ctx.body = saved != null ? saved : "the body of " + op + " '" + n.name() + "'";
            ctx.addBodyConstants(g);
            for (int i = 0; i < seeds.length; i++) if (seeds[i] != null) ctx.setDims(g.inputs().get(i), seeds[i].clone());
            for (String in : g.inputs()) ctx.bodyProducers.put(in, n.name());
            analyzeBodyNodes(n, "body", g, ctx, depth);
            for (String o : g.outputs()) outs.add(ctx.dims(o));
        } finally {
            ctx.graph = outer;
            ctx.body = saved;
        }
        return outs;
    }

    /**
     * A value carried through a Loop's or Scan's iterations has the same dims in every one: the initial value's dims
     * ({@code initial}), the body's output for it ({@code next}) and output {@code i} of the node are unified; a body
     * that changes its rank locks them with the reason.
     */
    private static void carry(Node n, AnalysisContext ctx, int i, Dim[] initial, Dim[] next, String what) {
        if (next == null || next.length != initial.length) {
            String reason = what + " '" + n.name() + "' changes rank in the body";
            for (Dim d : initial) ctx.space.lock(d, reason);
            if (next != null) for (Dim d : next) ctx.space.lock(d, reason);
            return;
        }
        for (int x = 0; x < next.length; x++) ctx.unify(initial[x], next[x], n.name());
        if (i < n.outputs().size()) ctx.setDims(n.output(i), initial.clone());
    }

    /** The single body of a Loop or Scan, or why it cannot be read. */
    private record OneBody(ModelGraph graph, String problem) { }

    private static OneBody oneBody(Node n, ModelGraph outer, String op) {
        List<dev.lopper.graph.SubgraphCost.Body> bodies;
        try {
            bodies = dev.lopper.graph.SubgraphCost.bodies(outer, n);
        } catch (RuntimeException e) {
            return new OneBody(null, "cannot read the body (" + e.getMessage() + ")");
        }
        if (bodies.size() != 1) return new OneBody(null, "a " + op + " without one body");
        return new OneBody(bodies.get(0).graph(), null);
    }

    /**
     * A Loop: its body is walked in the outer dimension space. A loop-carried value has the same dims in every
     * iteration, so body input k, body output k, the initial value and the Loop's final value are one tensor's dims
     * (a weight whose channels are carried is pruned with the carried state); a value computed from loop-invariant
     * outer tensors is free (a group wholly inside the body is prunable); a scan output gets a leading iteration axis.
     * Returns null when done, else why the Loop cannot be analyzed.
     */
    private static String analyzeLoop(Node n, AnalysisContext ctx, int depth) {
        ModelGraph outer = ctx.graph;
        ctx.nodeNames();
        OneBody body = oneBody(n, outer, "Loop");
        if (body.problem() != null) return body.problem();
        ModelGraph g = body.graph();
        int carried = n.inputs().size() - 2;
        if (carried < 0 || g.inputs().size() != 2 + carried || g.outputs().size() < 1 + carried) {
            return "body inputs/outputs do not match the Loop's";
        }
        int scans = g.outputs().size() - 1 - carried;
        if (n.outputs().size() > carried + scans) return "more Loop outputs than body outputs";
        Dim[][] initial = new Dim[carried][];
        for (int i = 0; i < carried; i++) {
            initial[i] = ctx.dims(n.input(2 + i));
            if (initial[i] == null) return "carried value " + i + " has an unknown rank";
        }
        Dim[][] seeds = new Dim[g.inputs().size()][];
        for (int i = 0; i < carried; i++) seeds[2 + i] = initial[i];
        List<Dim[]> outs = walkBody(n, "Loop", g, seeds, ctx, depth);
        ctx.analyzedLoops.put(n.name(), g);
        for (int i = 0; i < carried; i++) carry(n, ctx, i, initial[i], outs.get(1 + i), "carried value " + i + " of Loop");
        for (int j = 0; j < scans && carried + j < n.outputs().size(); j++) {
            Dim[] per = outs.get(1 + carried + j);
            String out = n.output(carried + j);
            if (per == null || out.isEmpty()) continue;
            Dim[] d = new Dim[per.length + 1];
            long trips = Metrics.loopTrips(outer, n);
            d[0] = ctx.space.fresh(trips, null);
            System.arraycopy(per, 0, d, 1, per.length);
            ctx.setDims(out, d);
        }
        return null;
    }

    /**
     * A Scan (opset 9+): N state values, then M scanned inputs; the body reads the states and one slice of each
     * scanned input, and writes the next states, then K per-iteration outputs. Its body is walked in the outer
     * dimension space like a Loop's: state k has the same dims in every iteration (initial value, body input k, body
     * output k and the Scan's final value are one tensor's dims); a slice has the dims of its scanned input without
     * the scanned axis; scan output k gets the iteration axis back at its {@code scan_output_axes} position. The
     * scanned axes set the iteration count: they are locked (removing a position would drop an iteration, which
     * changes the states, not zeroes them). Returns null when done, else why the Scan cannot be analyzed.
     */
    private static String analyzeScan(Node n, AnalysisContext ctx, int depth) {
        if (ctx.opset() < 9) return "an opset-8 Scan (batched, with sequence_lens) is not analyzed";
        ModelGraph outer = ctx.graph;
        ctx.nodeNames();
        OneBody body = oneBody(n, outer, "Scan");
        if (body.problem() != null) return body.problem();
        ModelGraph g = body.graph();
        int scans = (int) n.attrInt("num_scan_inputs", -1);
        int states = n.inputs().size() - scans;
        if (scans < 1 || states < 0 || g.inputs().size() != n.inputs().size()) return "body inputs do not match the Scan's";
        int outsK = g.outputs().size() - states;
        if (outsK < 0 || n.outputs().size() > g.outputs().size()) return "body outputs do not match the Scan's";
        long[] inAxes = n.attrInts("scan_input_axes");
        long[] outAxes = n.attrInts("scan_output_axes");
        if (inAxes != null && inAxes.length != scans) return "scan_input_axes does not give one axis per scanned input";
        if (outAxes != null && outAxes.length != outsK) return "scan_output_axes does not give one axis per scan output";
        Dim[][] initial = new Dim[states][];
        for (int i = 0; i < states; i++) {
            initial[i] = ctx.dims(n.input(i));
            if (initial[i] == null) return "state " + i + " has an unknown rank";
        }
        Dim[][] slices = new Dim[scans][];
        Dim iterations = null;
        String reason = "the scanned axis of Scan '" + n.name() + "' sets its iteration count";
        for (int j = 0; j < scans; j++) {
            Dim[] x = ctx.dims(n.input(states + j));
            if (x == null) return "scanned input " + j + " has an unknown rank";
            int axis = inAxes == null ? 0 : (int) inAxes[j];
            if (axis < 0) axis += x.length;
            if (axis < 0 || axis >= x.length) return "scan axis of input " + j + " out of range";
            ctx.space.lock(x[axis], reason);
            if (iterations == null) iterations = x[axis];
            else ctx.unify(iterations, x[axis], n.name()); // every scanned input has the same length
            slices[j] = new Dim[x.length - 1];
            for (int k = 0, s = 0; k < x.length; k++) if (k != axis) slices[j][s++] = x[k];
        }
        Dim[][] seeds = new Dim[g.inputs().size()][];
        for (int i = 0; i < states; i++) seeds[i] = initial[i];
        for (int j = 0; j < scans; j++) seeds[states + j] = slices[j];
        List<Dim[]> outs = walkBody(n, "Scan", g, seeds, ctx, depth);
        ctx.analyzedLoops.put(n.name(), g);
        for (int i = 0; i < states; i++) carry(n, ctx, i, initial[i], outs.get(i), "state " + i + " of Scan");
        for (int k = 0; k < outsK && states + k < n.outputs().size(); k++) {
            Dim[] per = outs.get(states + k);
            String out = n.output(states + k);
            if (per == null || out.isEmpty()) continue;
            int axis = outAxes == null ? 0 : (int) outAxes[k];
            if (axis < 0) axis += per.length + 1;
            if (axis < 0 || axis > per.length) {
                String r = "scan output axis " + k + " of Scan '" + n.name() + "' out of range";
                for (Dim d : per) ctx.space.lock(d, r);
                continue;
            }
            Dim[] d = new Dim[per.length + 1];
            for (int x = 0, s = 0; x < d.length; x++) d[x] = x == axis ? iterations : per[s++];
            ctx.setDims(out, d);
        }
        return null;
    }

    /** Every tensor name read inside a node's subgraphs (outer-scope captures included). */
    static java.util.Set<String> outerNames(Node n) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (var a : n.attributes().values()) {
            if (a.hasG()) collect(a.getG(), names);
            for (var g : a.getGraphsList()) collect(g, names);
        }
        return names;
    }

    private static void collect(dev.lopper.onnx.proto.Onnx.GraphProto g, java.util.Set<String> names) {
        for (var node : g.getNodeList()) {
            names.addAll(node.getInputList());
            for (var a : node.getAttributeList()) {
                if (a.hasG()) collect(a.getG(), names);
                for (var sg : a.getGraphsList()) collect(sg, names);
            }
        }
    }

    /** A leaf's positions on one axis. */
    record Placement(Dim leaf, IndexMap map) { }

    /** Where each leaf channel lies on a dimension; null when a layout cannot be expressed. */
    static List<Placement> placements(Dim d) {
        return placements(d, null);
    }

    /**
     * Same; a part whose positions repeat at two levels (head_dim inside qkv = 3 × heads × head_dim) has no
     * {@link IndexMap}: its leaves go to {@code unplaced} (they are locked, the others stay placed), or make the
     * whole layout inexpressible (null) when {@code unplaced} is null.
     */
    static List<Placement> placements(Dim d, List<Dim> unplaced) {
        List<Placement> out = new ArrayList<>();
        try {
            place(d, IndexMap.IDENTITY, out, 0, unplaced);
        } catch (RuntimeException e) {
            return null;
        }
        return out;
    }

    private static void placePart(Dim part, IndexMap step, IndexMap outer, List<Placement> out, int depth, List<Dim> unplaced) {
        IndexMap m;
        try {
            m = step.then(outer);
        } catch (UnsupportedOperationException e) {
            if (unplaced == null) throw e;
            unplaced.addAll(DimSpace.leaves(part));
            return;
        }
        place(part, m, out, depth, unplaced);
    }

    private static void place(Dim d, IndexMap outer, List<Placement> out, int depth) {
        place(d, outer, out, depth, null);
    }

    private static void place(Dim d, IndexMap outer, List<Placement> out, int depth, List<Dim> unplaced) {
        Dim r = DimSpace.find(d);
        if (depth > 64) throw new IllegalStateException("layout too deep");
        if (r.layout == null) {
            out.add(new Placement(r, outer));
            return;
        }
        int n = r.parts.size();
        long[] sizes = new long[n];
        for (int i = 0; i < n; i++) {
            sizes[i] = r.parts.get(i).size();
            if (sizes[i] < 0) throw new IllegalStateException("unknown size");
        }
        if (r.layout == Dim.Layout.SUM) {
            long off = 0;
            for (int i = 0; i < n; i++) {
                placePart(r.parts.get(i), IndexMap.offset(Math.toIntExact(off)), outer, out, depth + 1, unplaced);
                off += sizes[i];
            }
        } else {
            for (int i = 0; i < n; i++) {
                long inner = 1, outerProd = 1;
                for (int k = i + 1; k < n; k++) inner *= sizes[k];
                for (int k = 0; k < i; k++) outerProd *= sizes[k];
                IndexMap step = new IndexMap(0, Math.toIntExact(inner), Math.toIntExact(outerProd),
                        outerProd == 1 ? 0 : Math.toIntExact(sizes[i] * inner));
                placePart(r.parts.get(i), step, outer, out, depth + 1, unplaced);
            }
        }
    }

    private static final class Acc {
        final Dim leaf;
        final List<Member> members = new ArrayList<>();
        final List<ParamSlice> slices = new ArrayList<>();
        final Set<String> locks = new LinkedHashSet<>();
        double params;
        double macs;

        Acc(Dim leaf) { this.leaf = leaf; }
    }

    /** A class of per-consumer copies of a shared constant whose dims are the same: one stored tensor. */
    record CopyClass(String original, int index, List<String> copies, List<String> nodes) { }

    /** Classes of the copies of each shared constant, in node order (copies with the same dims share a class). */
    private static Map<String, List<CopyClass>> copyClasses(AnalysisContext ctx) {
        Map<String, List<CopyClass>> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : ctx.copyOf.entrySet()) {
            String copy = e.getKey(), t = e.getValue();
            Dim[] d = ctx.dims.get(copy);
            List<CopyClass> cls = out.computeIfAbsent(t, k -> new ArrayList<>());
            CopyClass into = null;
            for (CopyClass c : cls) {
                Dim[] r = ctx.dims.get(c.copies().get(0));
                if (sameDims(d, r)) { into = c; break; }
            }
            if (into == null) {
                into = new CopyClass(t, cls.size(), new ArrayList<>(), new ArrayList<>());
                cls.add(into);
            }
            into.copies().add(copy);
            into.nodes().add(ctx.constants.get(copy).node());
        }
        return out;
    }

    private static boolean sameDims(Dim[] a, Dim[] b) {
        if (a == null || b == null) return a == b;
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; i++) {
            List<Placement> pa = placements(a[i]), pb = placements(b[i]);
            if (pa == null || !pa.equals(pb)) return false;
        }
        return true;
    }

    private static GroupAnalysis build(ModelGraph graph, AnalysisContext ctx) {
        Map<Dim, Acc> accs = new IdentityHashMap<>();
        Map<String, List<Placement>[]> placementsByTensor = new HashMap<>();
        Map<String, List<CopyClass>> classes = copyClasses(ctx);
        Map<String, CopyClass> classOfCopy = new HashMap<>();
        for (List<CopyClass> cl : classes.values()) for (CopyClass c : cl) for (String x : c.copies()) classOfCopy.put(x, c);
        // members and slices
        for (Map.Entry<String, Dim[]> e : ctx.dims.entrySet()) {
            String t = e.getKey();
            Dim[] dims = e.getValue();
            AnalysisContext.ConstantInfo ci = ctx.constants.get(t);
            CopyClass cc = classOfCopy.get(t);
            // one copy speaks for its class: the others would repeat its slices
            if (cc != null && !cc.copies().get(0).equals(t)) continue;
            int copy = cc == null ? 0 : cc.index();
            int copies = cc == null ? 1 : classes.get(cc.original()).size();
            if (copies == 1) copy = 0;
            @SuppressWarnings("unchecked")
            List<Placement>[] pl = new List[dims.length];
            placementsByTensor.put(t, pl);
            AnalysisContext.RoleInfo[] roles = ctx.roles.get(t);
            for (int axis = 0; axis < dims.length; axis++) {
                List<Dim> unplaced = new ArrayList<>();
                List<Placement> ps = placements(dims[axis], unplaced);
                if (ps == null) {
                    // only constants need exact positions (they are sliced); activations just follow
                    if (ci != null) ctx.space.lock(dims[axis], "channel layout of '" + t + "' axis " + axis + " cannot be expressed");
                    continue;
                }
                for (Dim u : unplaced) {
                    if (ci != null) ctx.space.lock(u, "channel layout of '" + t + "' axis " + axis + " cannot be expressed");
                }
                pl[axis] = ps;
                for (Placement p : ps) {
                    Dim leaf = p.leaf();
                    if (!leaf.channel || leaf.size <= 1) continue;
                    Acc a = accs.computeIfAbsent(leaf, Acc::new);
                    if (ci != null) {
                        AnalysisContext.RoleInfo ri = roles == null ? null : roles[axis];
                        String node = ri != null ? ri.node() : firstConsumer(graph, t, ci);
                        ParamSlice.Role role = ri != null ? ri.role() : ParamSlice.Role.PER_CHANNEL;
                        String stored = cc != null ? cc.original() : t;
                        if (ci.origin() == AnalysisContext.ConstantOrigin.FOLDED) {
                            stored = convertedFrom(graph, t, ci);
                            if (stored == null) {
                                stored = t;
                                a.locks.add("constant '" + t + "' is computed inside the model and cannot be sliced");
                            }
                        }
                        a.slices.add(new ParamSlice(node, stored, axis, p.map(), role, copy, copies));
                        a.members.add(new Member(node, stored, axis, p.map()));
                    } else {
                        String node = graph.producer(t).map(Node::name)
                                .orElse(ctx.bodyProducers.getOrDefault(t, firstConsumer(graph, t, null)));
                        a.members.add(new Member(node, t, axis, p.map()));
                    }
                }
            }
        }
        // order groups by creation of their leaf, name them uniquely
        TreeMap<Integer, Acc> ordered = new TreeMap<>();
        for (Acc a : accs.values()) if (!a.slices.isEmpty()) ordered.put(a.leaf.id, a);
        accs.values().removeIf(a -> a.slices.isEmpty());
        Map<Dim, String> leafGroup = new IdentityHashMap<>();
        Set<String> used = new java.util.HashSet<>();
        for (Acc a : ordered.values()) {
            String base = "g:" + (a.leaf.name != null ? a.leaf.name : "dim" + a.leaf.id);
            String id = base;
            for (int k = 2; !used.add(id); k++) id = base + "#" + k;
            leafGroup.put(a.leaf, id);
            if (a.leaf.locks != null) a.locks.addAll(a.leaf.locks);
        }
        // params: per channel and prunable coverage
        double totalParams = 0, prunableParams = 0;
        List<Dim[]> paramTensors = new ArrayList<>();
        Map<String, GroupAnalysis.SharedParams> shared = new LinkedHashMap<>();
        long fixedParams = 0;
        // an initializer the view only reads converted (fp16 weights behind Cast, an expanded class token) is
        // counted once, through its converted form, whose dims follow the channels
        Set<String> counterpart = new java.util.HashSet<>();
        for (Map.Entry<String, AnalysisContext.ConstantInfo> e : ctx.constants.entrySet()) {
            if (e.getValue().origin() != AnalysisContext.ConstantOrigin.FOLDED || !ctx.dims.containsKey(e.getKey())) continue;
            if (!ElementType.isFloating(e.getValue().proto().getDataType())) continue;
            String src = convertedFrom(graph, e.getKey(), e.getValue());
            if (src != null && !ctx.dims.containsKey(src) && ctx.constants.containsKey(src)) counterpart.add(src);
        }
        // what counts is Metrics' one definition: the analysis counts exactly the stored tensors Metrics.parameters
        // lists, each once, through the view constant whose dims follow the channels where there is one
        Map<String, Long> counted = new LinkedHashMap<>(Metrics.parameters(graph));
        // the analyzed If branches' and Loop/Scan bodies' own constants count (and are sliced) through the analysis
        // (a nested one's are among its enclosing node's: bodyLocalParameters walks bodies recursively)
        for (Node n : graph.nodes()) {
            if (ctx.analyzedBodies.containsKey(n.name()) || ctx.analyzedLoops.containsKey(n.name())) {
                counted.putAll(Metrics.bodyLocalParameters(graph, n));
            }
        }
        Set<String> seen = new java.util.HashSet<>();
        for (Map.Entry<String, AnalysisContext.ConstantInfo> e : ctx.constants.entrySet()) {
            AnalysisContext.ConstantInfo ci = e.getValue();
            if (classes.containsKey(e.getKey())) continue; // counted through its copies
            if (counterpart.contains(e.getKey())) continue; // counted through its converted form
            CopyClass cc = classOfCopy.get(e.getKey());
            if (cc != null && !cc.copies().get(0).equals(e.getKey())) continue;
            if (ci.origin() == AnalysisContext.ConstantOrigin.FOLDED && !ctx.dims.containsKey(e.getKey())) continue;
            String stored = cc != null ? cc.original()
                    : ci.origin() == AnalysisContext.ConstantOrigin.FOLDED ? convertedFrom(graph, e.getKey(), ci) : e.getKey();
            if (stored == null || !counted.containsKey(stored)) continue;
            if (cc == null && !seen.add(stored)) continue;
            seen.add(stored);
            int copies = cc == null ? 1 : classes.get(cc.original()).size();
            double elements = 1;
            for (long d : ci.proto().getDimsList()) elements *= d;
            if (cc == null || cc.index() == 0) totalParams += elements;
            List<Placement>[] pl = placementsByTensor.get(e.getKey());
            Dim[] dims = ctx.dims.get(e.getKey());
            boolean full = dims != null && dims.length == ci.proto().getDimsCount();
            if (copies > 1) {
                long el = (long) elements;
                GroupAnalysis.SharedParams sp = shared.computeIfAbsent(cc.original(),
                        k -> new GroupAnalysis.SharedParams(el, new ArrayList<>()));
                sp.classes().add(full ? dims : null);
            } else if (full) {
                paramTensors.add(dims);
            } else {
                fixedParams += (long) elements;
            }
            if (pl == null || dims == null) continue;
            double uncovered = 1;
            for (int axis = 0; axis < dims.length; axis++) {
                uncovered *= 1 - coverage(dims[axis], accs, 0);
                long size = dims[axis].size();
                if (pl[axis] == null || size <= 0) continue;
                for (Placement p : pl[axis]) {
                    Acc a = accs.get(p.leaf());
                    if (a != null) a.params += elements / size * p.map().block() * p.map().repeats();
                }
            }
            prunableParams += elements * (1 - uncovered) / copies;
        }
        // counted tensors the analysis holds no constant for: counted, never pruned
        for (Map.Entry<String, Long> e : counted.entrySet()) {
            if (seen.contains(e.getKey())) continue;
            totalParams += e.getValue();
            fixedParams += e.getValue();
        }
        // constants of If/Loop/Scan bodies (their own initializers and Constant nodes): counted, never pruned
        for (Node n : graph.nodes()) {
            if (!n.hasSubgraphs() || ctx.analyzedBodies.containsKey(n.name()) || ctx.analyzedLoops.containsKey(n.name())) continue;
            long b = dev.lopper.graph.Metrics.bodyLocalParams(graph, n);
            totalParams += b;
            fixedParams += b;
        }
        double totalMacs = 0, prunableMacs = 0;
        ctx.collectMacs();
        for (AnalysisContext.MacTerm m : ctx.macs) {
            double macs = m.constant();
            for (Dim d : m.dims()) macs *= Math.max(1, d.size());
            totalMacs += macs;
            double uncovered = 1;
            for (Dim d : m.dims()) {
                uncovered *= 1 - coverage(d, accs, 0);
                long size = d.size();
                if (size <= 0) continue;
                List<Placement> ps = placements(d, new ArrayList<>());
                if (ps == null) continue;
                for (Placement p : ps) {
                    Acc a = accs.get(p.leaf());
                    if (a != null) a.macs += macs / size * p.map().block() * p.map().repeats();
                }
            }
            prunableMacs += macs * (1 - uncovered);
        }
        Map<String, Set<String>> inner = innerFactors(ctx.channelProducts, leafGroup);
        List<CoupledGroup> groups = new ArrayList<>();
        int prunable = 0;
        for (Acc a : ordered.values()) {
            List<String> mixing = a.leaf.mixing == null ? List.of() : new ArrayList<>(a.leaf.mixing);
            String gid = leafGroup.get(a.leaf);
            CoupledGroup g = new CoupledGroup(gid, Math.toIntExact(a.leaf.size), a.members, a.slices,
                    new ArrayList<>(a.locks), Math.round(a.params), Math.round(a.macs), 1, 1, mixing,
                    new ArrayList<>(inner.getOrDefault(gid, Set.of())));
            if (g.isPrunable()) prunable++;
            groups.add(g);
        }
        GroupAnalysis.Summary summary = new GroupAnalysis.Summary(groups.size(), prunable, groups.size() - prunable,
                totalParams == 0 ? 0 : prunableParams / totalParams, totalMacs == 0 ? 0 : prunableMacs / totalMacs,
                Math.round(totalParams), Math.round(totalMacs));
        GroupAnalysis result = new GroupAnalysis(graph, groups, summary, new LinkedHashMap<>(ctx.dims), ctx.rewrites, leafGroup);
        result.setUnhandledNodes(ctx.unhandled);
        result.setCouplings(couplings(ctx.space().ties(), leafGroup, graph));
        List<List<Dim>> macTerms = new ArrayList<>();
        long[] macConstants = new long[ctx.macs.size()];
        for (AnalysisContext.MacTerm m : ctx.macs) {
            macConstants[macTerms.size()] = m.constant();
            macTerms.add(m.dims());
        }
        result.setCosts(paramTensors, fixedParams, macTerms, macConstants);
        result.setShared(new ArrayList<>(shared.values()), classes);
        return result;
    }

    /** Fraction of a dimension's positions that belong to a prunable group. */
    private static double coverage(Dim d, Map<Dim, Acc> accs, int depth) {
        Dim r = DimSpace.find(d);
        if (depth > 64) return 0;
        if (r.layout == null) {
            Acc a = accs.get(r);
            return a != null && a.locks.isEmpty() ? 1 : 0;
        }
        if (r.layout == Dim.Layout.PRODUCT) {
            double un = 1;
            for (Dim p : r.parts) un *= 1 - coverage(p, accs, depth + 1);
            return 1 - un;
        }
        double covered = 0, total = 0;
        for (Dim p : r.parts) {
            long s = Math.max(0, p.size());
            covered += s * coverage(p, accs, depth + 1);
            total += s;
        }
        return total == 0 ? 0 : covered / total;
    }

    /** The stored initializer a folded constant only converts or copies ({@link Metrics#storedSource}), else null. */
    private static String convertedFrom(ModelGraph graph, String t, AnalysisContext.ConstantInfo ci) {
        return graph.isConstant(t) ? Metrics.storedSource(graph, t) : null;
    }

    private static String firstConsumer(ModelGraph graph, String t, AnalysisContext.ConstantInfo ci) {
        if (ci != null && ci.node() != null) return ci.node();
        List<Node> c = graph.consumers(t);
        return c.isEmpty() ? "" : c.get(0).name();
    }

    /** Group id → nodes whose unifications touched the group's leaves, in graph order, each once. */
    /**
     * For every recorded product channel axis (groups × per-group): its atoms outer to inner; the innermost
     * atom's group is the inner factor, every other atom's group an outer factor of it. Group → inner groups.
     */
    static Map<String, Set<String>> innerFactors(List<List<Dim>> products, Map<Dim, String> leafGroup) {
        Map<String, Set<String>> out = new java.util.LinkedHashMap<>();
        for (List<Dim> factors : products) {
            List<Dim> atoms = new ArrayList<>();
            for (Dim f : factors) atoms.addAll(DimSpace.leaves(f));
            atoms.removeIf(d -> DimSpace.find(d).size() == 1);
            if (atoms.size() < 2) continue;
            String in = leafGroup.get(DimSpace.find(atoms.get(atoms.size() - 1)));
            if (in == null) continue;
            for (int i = 0; i < atoms.size() - 1; i++) {
                String o = leafGroup.get(DimSpace.find(atoms.get(i)));
                if (o != null && !o.equals(in)) out.computeIfAbsent(o, k -> new java.util.LinkedHashSet<>()).add(in);
            }
        }
        return out;
    }

    static Map<String, List<String>> couplings(List<DimSpace.Tie> ties, Map<Dim, String> leafGroup, ModelGraph graph) {
        Map<String, java.util.Set<String>> sets = new LinkedHashMap<>();
        for (DimSpace.Tie t : ties) {
            java.util.Set<String> groupsHit = new java.util.LinkedHashSet<>();
            collectGroups(t.a(), leafGroup, groupsHit, 0);
            collectGroups(t.b(), leafGroup, groupsHit, 0);
            for (String g : groupsHit) sets.computeIfAbsent(g, k -> new java.util.LinkedHashSet<>()).add(t.where());
        }
        Map<String, Integer> order = new java.util.HashMap<>();
        for (int i = 0; i < graph.nodes().size(); i++) order.put(graph.nodes().get(i).name(), i);
        Map<String, List<String>> out = new LinkedHashMap<>();
        sets.forEach((g, nodes) -> out.put(g, nodes.stream()
                .sorted(java.util.Comparator.comparingInt(n -> order.getOrDefault(n, Integer.MAX_VALUE))).toList()));
        return out;
    }

    private static void collectGroups(Dim d, Map<Dim, String> leafGroup, java.util.Set<String> out, int depth) {
        Dim r = DimSpace.find(d);
        if (depth > 64) return;
        if (r.layout != null) {
            for (Dim p : r.parts) collectGroups(p, leafGroup, out, depth + 1);
            return;
        }
        String g = leafGroup.get(r);
        if (g != null) out.add(g);
    }

    /**
     * Analyzes the nodes of one body of {@code owner} (attribute {@code attr}) in the enclosing dimension space. A
     * body's unnamed nodes get OpType_index names that may repeat the main graph's: those are qualified as
     * {@code owner/attr/name}.
     */
    private static void analyzeBodyNodes(Node owner, String attr, ModelGraph g, AnalysisContext ctx, int depth) {
        for (Node b0 : g.nodes()) {
            Node b = b0;
            if (ctx.nodeNames().contains(b0.name())) {
                b = new Node(owner.name() + "/" + attr + "/" + b0.name(), b0.opType(), b0.domain(), b0.inputs(),
                        b0.outputs(), b0.attributes(), b0.protoIndices(), b0.proto());
            }
            ctx.nodeNames().add(b.name());
            for (String o : b.outputs()) if (!o.isEmpty()) ctx.bodyProducers.put(o, b.name());
            analyzeNode(b, ctx, depth + 1);
        }
    }

}
