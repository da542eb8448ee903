package dev.lopper.prune;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.GroupAnalyzer;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.analysis.Rewrite;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.Tensors;
import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.StringStringEntryProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorShapeProto;
import dev.lopper.onnx.proto.Onnx.TypeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/**
 * Writes a pruned model: given the original model, its group analysis and, per group id, the sorted root
 * channels to keep, returns a new {@link ModelProto} with those channels physically removed — constants
 * sliced along the right axes (initializers and Constant nodes), attributes ({@code group},
 * {@code num_groups}, {@code split}) and shape constants (Reshape/Expand/Resize targets, Split sizes, Slice
 * bounds) rewritten, value_info and output shapes fixed, and {@code metadata_props} recording what was
 * removed. Everything else (names, opsets, metadata, untouched tensors) is copied as it is.
 */
public final class PlanApplier {
    private PlanApplier() {}

    /** Metadata key holding a JSON summary of what Lopper removed. */
    public static final String METADATA_KEY = "lopper.pruned";

    public static ModelProto apply(OnnxModel original, GroupAnalysis analysis, Map<String, int[]> kept)
            throws ModelLoadException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<String, BitSet> removedChannels = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : kept.entrySet()) {
            CoupledGroup g = analysis.group(e.getKey());
            if (g == null) throw new IllegalArgumentException("no group '" + e.getKey() + "' in this model");
            int[] k = e.getValue();
            validate(g, k);
            if (k.length == g.channels()) continue;
            if (!g.isPrunable()) throw new IllegalArgumentException("group '" + g.id() + "' is locked: " + g.lockReasons().get(0));
            BitSet gone = new BitSet(g.channels());
            gone.set(0, g.channels());
            for (int c : k) gone.clear(c);
            counts.put(g.id(), k.length);
            removedChannels.put(g.id(), gone);
        }
        ModelProto proto = original.proto();
        if (counts.isEmpty()) return proto;

        Map<String, Map<Integer, BitSet>> removals = removals(analysis, removedChannels);
        GraphProto.Builder gb = proto.getGraph().toBuilder();
        Set<String> done = new HashSet<>();
        Set<String> replaced = new HashSet<>();
        Set<String> usedNames = new HashSet<>();
        for (TensorProto t : gb.getInitializerList()) usedNames.add(t.getName());
        for (NodeProto n : gb.getNodeList()) usedNames.addAll(n.getOutputList());
        // a shared constant some of whose readers lose channels: every class of readers gets its own copy
        for (Map.Entry<String, List<GroupAnalysis.SharedCopy>> e : analysis.sharedCopies().entrySet()) {
            String t = e.getKey();
            boolean touched = false;
            for (GroupAnalysis.SharedCopy c : e.getValue()) touched |= removals.containsKey(t + "\u0000copy" + c.copy());
            if (!touched) continue;
            TensorProto src = findTensor(gb, t);
            if (src == null) throw new IllegalStateException("shared constant '" + t + "' is not stored in the model");
            for (GroupAnalysis.SharedCopy c : e.getValue()) {
                Map<Integer, BitSet> r = removals.remove(t + "\u0000copy" + c.copy());
                String name = fresh(usedNames, t + "/lopper_copy" + c.copy());
                TensorProto copy = r == null ? src : without(original, src, r);
                gb.addInitializer(copy.toBuilder().setName(name));
                for (String nodeName : c.nodes()) {
                    Node node = analysis.graph().node(nodeName);
                    if (node == null) throw new IllegalStateException("cannot give node '" + nodeName + "' its own copy of '" + t + "'");
                    boolean rewired = false;
                    for (int idx : node.protoIndices()) { // every file node of a fused one (LayerNorm, GELU)
                        NodeProto.Builder nb = gb.getNode(idx).toBuilder();
                        for (int k = 0; k < nb.getInputCount(); k++) {
                            if (analysis.graph().resolve(nb.getInput(k)).equals(t)) {
                                nb.setInput(k, name);
                                rewired = true;
                            }
                        }
                        gb.setNode(idx, nb);
                    }
                    if (!rewired) throw new IllegalStateException("node '" + nodeName + "' does not read '" + t + "'");
                }
            }
            replaced.add(t);
        }
        for (int i = 0; i < gb.getInitializerCount(); i++) {
            TensorProto t = gb.getInitializer(i);
            Map<Integer, BitSet> r = removals.get(t.getName());
            if (r == null) continue;
            gb.setInitializer(i, without(original, t, r));
            done.add(t.getName());
        }
        for (int i = 0; i < gb.getNodeCount(); i++) {
            NodeProto n = gb.getNode(i);
            if (!n.getOpType().equals("Constant") || n.getOutputCount() == 0) continue;
            NodeProto sliced = slicedConstant(original, n, removals, done);
            if (sliced != null) gb.setNode(i, sliced);
        }
        // If branches: their own initializers and Constant nodes, and the shapes they declare
        for (int i = 0; i < gb.getNodeCount(); i++) {
            NodeProto n = gb.getNode(i);
            if (hasBodies(n)) gb.setNode(i, withBodies(original, n, removals, done, analysis, counts));
        }
        for (String t : removals.keySet()) {
            if (!done.contains(t)) throw new IllegalStateException("constant '" + t + "' to slice is not stored in the model");
        }

        // node rewrites
        ModelGraph graph = analysis.graph();
        Set<String> changed = counts.keySet();
        int opset = opset(proto);
        FileView fileView = new FileView(original, analysis.graph(), gb);
        Map<Rewrite.ShapeInput, DynamicShapeException> deferred = new LinkedHashMap<>();
        for (Rewrite rw : analysis.rewrites()) {
            Node node = graph.node(rw.node());
            if (node == null || node.protoIndices().size() != 1) continue;
            int idx = node.protoIndices().get(0);
            NodeProto.Builder nb = gb.getNode(idx).toBuilder();
            {
                if (rw instanceof Rewrite.IntAttribute ia) {
                    if (!analysis.dependsOn(ia.size(), changed)) continue;
                    setInt(nb, ia.attribute(), analysis.newSize(ia.size(), counts));
                } else if (rw instanceof Rewrite.SplitSizes ss) {
                    boolean dep = false;
                    for (Dim d : ss.parts()) dep |= analysis.dependsOn(d, changed);
                    for (Dim d : ss.dependsOn()) dep |= analysis.dependsOn(d, changed);
                    if (!dep) continue;
                    long[] sizes = new long[ss.parts().size()];
                    for (int i = 0; i < sizes.length; i++) sizes[i] = analysis.newSize(ss.parts().get(i), counts);
                    if (opset < 13) setInts(nb, "split", sizes);
                    else {
                        String name = fresh(usedNames, rw.node() + "/lopper_split");
                        gb.addInitializer(int64(name, sizes));
                        while (nb.getInputCount() < 2) nb.addInput("");
                        nb.setInput(1, name);
                        removeAttribute(nb, "num_outputs");
                    }
                } else if (rw instanceof Rewrite.ShapeInput si) {
                    boolean dep = false;
                    for (Dim d : si.entries()) dep |= analysis.dependsOn(d, changed);
                    for (Dim d : si.dependsOn()) dep |= analysis.dependsOn(d, changed);
                    if (!dep) continue;
                    long[] v;
                    try {
                        v = shapeEntries(rw.node(), node.opType(), si, fileView.value(nb.getInput(si.input())), analysis, counts, changed);
                    } catch (DynamicShapeException e) {
                        deferred.put(si, e); // patched below in the file's own shape computation
                        continue;
                    }
                    String name = fresh(usedNames, rw.node() + "/lopper_shape");
                    gb.addInitializer(int64(name, v));
                    nb.setInput(si.input(), name);
                } else if (rw instanceof Rewrite.ConstantPatch cp) {
                    if (!analysis.dependsOn(cp.size(), changed)) continue;
                    patch(original, gb, nb, cp, analysis.newSize(cp.size(), counts), usedNames);
                } else if (rw instanceof Rewrite.SliceBounds sb) {
                    boolean dep = analysis.dependsOn(sb.before(), changed) || analysis.dependsOn(sb.kept(), changed);
                    for (Dim d : sb.dependsOn()) dep |= analysis.dependsOn(d, changed);
                    if (!dep) continue;
                    long[] starts = sliceEntries(rw.node(), "starts", sb.starts(), sb.position(),
                            sb.opset() < 10 ? null : fileView.value(nb.getInput(1)));
                    long[] ends = sliceEntries(rw.node(), "ends", sb.ends(), sb.position(),
                            sb.opset() < 10 ? null : fileView.value(nb.getInput(2)));
                    long s = analysis.newSize(sb.before(), counts);
                    starts[sb.position()] = s;
                    ends[sb.position()] = s + analysis.newSize(sb.kept(), counts);
                    if (sb.opset() < 10) {
                        setInts(nb, "starts", starts);
                        setInts(nb, "ends", ends);
                    } else {
                        String sn = fresh(usedNames, rw.node() + "/lopper_starts");
                        String en = fresh(usedNames, rw.node() + "/lopper_ends");
                        gb.addInitializer(int64(sn, starts));
                        gb.addInitializer(int64(en, ends));
                        nb.setInput(1, sn);
                        nb.setInput(2, en);
                    }
                }
            }
            NodeProto before = gb.getNode(idx);
            for (int i = 0; i < before.getInputCount() && i < nb.getInputCount(); i++) {
                if (!before.getInput(i).equals(nb.getInput(i))) replaced.add(before.getInput(i));
            }
            gb.setNode(idx, nb);
        }
        if (!deferred.isEmpty()) patchComputedShapes(original, gb, fileView, analysis, counts, deferred, usedNames, replaced);
        // node indices are stable up to here; now drop what only the shared originals' readers read
        for (String t : analysis.sharedCopies().keySet()) if (replaced.contains(t)) dropUnread(gb, t);
        removeUnused(gb, replaced);

        // shapes recorded in the file
        Map<String, Dim[]> dims = analysis.tensorDims();
        for (int i = 0; i < gb.getValueInfoCount(); i++) gb.setValueInfo(i, reshape(gb.getValueInfo(i), dims, analysis, counts, changed));
        for (int i = 0; i < gb.getOutputCount(); i++) gb.setOutput(i, reshape(gb.getOutput(i), dims, analysis, counts, changed));
        for (int i = 0; i < gb.getInputCount(); i++) gb.setInput(i, reshape(gb.getInput(i), dims, analysis, counts, changed));
        // initializers also declared as inputs carry their new dims above

        ModelProto.Builder mb = proto.toBuilder().setGraph(gb);
        StringBuilder json = new StringBuilder("{\"groups\":{");
        int k = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (k++ > 0) json.append(',');
            CoupledGroup g = analysis.group(e.getKey());
            json.append(String.format(Locale.ROOT, "\"%s\":{\"channels\":%d,\"kept\":%d}", escape(g.id()), g.channels(), e.getValue()));
        }
        json.append("}}");
        for (int i = mb.getMetadataPropsCount() - 1; i >= 0; i--) {
            if (mb.getMetadataProps(i).getKey().equals(METADATA_KEY)) mb.removeMetadataProps(i);
        }
        mb.addMetadataProps(StringStringEntryProto.newBuilder().setKey(METADATA_KEY).setValue(json.toString()));
        return mb.build();
    }

    /** A shape the analysis would have to freeze (dims dynamic in the file) to write as one constant. */
    private static final class DynamicShapeException extends IllegalStateException {
        DynamicShapeException(String message) { super(message); }
    }

    /** Replaces element {@code cp.element()} of the constant input {@code cp.input()} of {@code nb} with {@code size}. */
    private static void patch(OnnxModel original, GraphProto.Builder gb, NodeProto.Builder nb, Rewrite.ConstantPatch cp,
                              long size, Set<String> usedNames) throws ModelLoadException {
        String current = nb.getInput(cp.input());
        long[] values = intValues(original, gb, current);
        if (values == null) throw new IllegalStateException("cannot read shape constant '" + current + "' of node '" + cp.node() + "'");
        values[cp.element()] = size;
        String name = fresh(usedNames, cp.node() + "/lopper_in" + cp.input());
        TensorProto old = findTensor(gb, current);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
        if (old != null) t.addAllDims(old.getDimsList()); else t.addDims(values.length);
        for (long v : values) t.addInt64Data(v);
        gb.addInitializer(t);
        nb.setInput(cp.input(), name);
    }

    /**
     * Shapes the analysis saw folded (caller-given input sizes) but the file computes from dynamic dims with more
     * than one dynamic entry: the file's computation is kept and only its channel literals are patched, as the
     * analysis of the model with its symbolic dims (same groups) places them.
     */
    private static void patchComputedShapes(OnnxModel original, GraphProto.Builder gb, FileView fileView, GroupAnalysis analysis,
                                            Map<String, Integer> counts, Map<Rewrite.ShapeInput, DynamicShapeException> deferred,
                                            Set<String> usedNames, Set<String> replaced) throws ModelLoadException {
        DynamicShapeException first = deferred.values().iterator().next();
        ModelGraph sym = fileView.symbolic();
        GroupAnalysis free = GroupAnalyzer.analyze(sym, dev.lopper.task.Progress.NONE);
        for (String id : counts.keySet()) {
            CoupledGroup f = free.group(id);
            if (f == null || f.channels() != analysis.group(id).channels()) throw first;
        }
        Set<String> changed = counts.keySet();
        for (Rewrite.ShapeInput si : deferred.keySet()) {
            Node n = sym.node(si.node());
            if (n == null) throw deferred.get(si);
            Set<String> feeding = new HashSet<>();
            List<String> todo = new ArrayList<>(List.of(sym.resolve(n.input(si.input()))));
            while (!todo.isEmpty()) {
                String t = todo.remove(todo.size() - 1);
                Node p = sym.producer(t).orElse(null);
                if (p == null || !feeding.add(p.name())) continue;
                if (p.opType().equals("Shape")) continue; // reads only its input's shape, not the values computing it
                for (String in : p.inputs()) if (!in.isEmpty()) todo.add(sym.resolve(in));
            }
            int patched = 0;
            Rewrite.ShapeInput own = null;
            for (Rewrite r : free.rewrites()) {
                if (r instanceof Rewrite.ShapeInput fs && fs.node().equals(si.node())) own = fs;
                if (!(r instanceof Rewrite.ConstantPatch cp) || !feeding.contains(cp.node())) continue;
                Node target = sym.node(cp.node());
                if (target == null || target.protoIndices().size() != 1) throw deferred.get(si);
                if (!free.dependsOn(cp.size(), changed)) { patched++; continue; }
                int idx = target.protoIndices().get(0);
                NodeProto before = gb.getNode(idx);
                NodeProto.Builder nb = before.toBuilder();
                patch(original, gb, nb, cp, free.newSize(cp.size(), counts), usedNames);
                replaced.add(before.getInput(cp.input()));
                gb.setNode(idx, nb);
                patched++;
            }
            if (own != null && patched == 0 && n.protoIndices().size() == 1) {
                // the symbolic analysis rewrites this shape as one constant itself (dynamic dims as 0 = copy and a
                // single -1, e.g. GQA's reshape of [b, kv, n_rep, s, d] to [b, kv·n_rep, s, d]): write that
                int idx = n.protoIndices().get(0);
                NodeProto before = gb.getNode(idx);
                long[] v = shapeEntries(si.node(), n.opType(), own, fileView.value(before.getInput(own.input())), free, counts, changed);
                String name = fresh(usedNames, si.node() + "/lopper_shape");
                gb.addInitializer(int64(name, v));
                replaced.add(before.getInput(own.input()));
                gb.setNode(idx, before.toBuilder().setInput(own.input(), name));
                continue;
            }
            if (patched == 0 || own != null) throw deferred.get(si);
        }
    }

    /**
     * A shape-valued input as the file holds it: its stored literal values, or (for a computed shape) the
     * value of the computation with the model's symbolic dims left symbolic. When the analysis ran with
     * caller-given input sizes, standardization folded {@code Shape -> Gather -> ... -> Concat} into
     * constants holding those sizes; this view tells which entries were really dynamic so a rewrite does
     * not freeze them.
     */
    private static final class FileView {
        private final OnnxModel model;
        private final ModelGraph analyzed;
        private final GraphProto.Builder gb;
        private ModelGraph symbolic;

        /** The model's graph standardized with its symbolic dims left symbolic. */
        ModelGraph symbolic() {
            if (symbolic == null) {
                symbolic = dev.lopper.graph.Standardizer.standardize(model, Map.of(),
                        dev.lopper.graph.Standardizer.Mode.STANDARDIZED, dev.lopper.task.Progress.NONE);
            }
            return symbolic;
        }

        FileView(OnnxModel model, ModelGraph analyzed, GraphProto.Builder gb) {
            this.model = model;
            this.analyzed = analyzed;
            this.gb = gb;
        }

        /** The value of {@code tensor} in the file (entries unknown where symbolic), or null if unknown. */
        dev.lopper.graph.TensorValue value(String tensor) throws ModelLoadException {
            if (tensor == null || tensor.isEmpty()) return null;
            TensorProto t = findTensor(gb, tensor);
            if (t != null) {
                int dt = t.getDataType();
                if (dt != TensorProto.DataType.INT64_VALUE && dt != TensorProto.DataType.INT32_VALUE) return null;
                long[] v = model.tensor(t).toLongArray();
                return dev.lopper.graph.TensorValue.ofLongs(TensorProto.DataType.INT64_VALUE, new long[] {v.length}, v);
            }
            if (!boundInputs()) return null; // the analysis saw the file's own dims: its entries are the file's
            symbolic();
            String r = symbolic.resolve(tensor);
            if (symbolic.isConstant(r)) {
                long[] v = symbolic.constantValue(r).toLongArray();
                return dev.lopper.graph.TensorValue.ofLongs(TensorProto.DataType.INT64_VALUE, new long[] {v.length}, v);
            }
            return symbolic.value(r);
        }

        /** Whether the analysis gave sizes to model-input dims the file leaves symbolic (--input-shape). */
        private boolean boundInputs() {
            for (ValueInfoProto v : gb.getInputList()) {
                if (!v.hasType() || !v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) {
                    if (analyzed.shape(v.getName()).hasRank()) return true;
                    continue;
                }
                TensorShapeProto s = v.getType().getTensorType().getShape();
                dev.lopper.graph.Shape a = analyzed.shape(v.getName());
                if (!a.hasRank() || a.rank() != s.getDimCount()) continue;
                for (int i = 0; i < s.getDimCount(); i++) {
                    if (!s.getDim(i).hasDimValue() && a.dims()[i] >= 0) return true;
                }
            }
            return false;
        }
    }

    /**
     * The new entries of a rewritten shape input. Only what pruning changes is written: an entry the file
     * holds as a literal 0 (copy) or -1 (infer) stays so, an unchanged literal stays, and an entry that is
     * dynamic in the file (read through Shape at run time) becomes 0 (copy the input axis) or the single -1,
     * never the size the analysis was given for it.
     */
    static long[] shapeEntries(String node, String opType, Rewrite.ShapeInput si, dev.lopper.graph.TensorValue file,
                               GroupAnalysis analysis, Map<String, Integer> counts, Set<String> changed) {
        int m = si.entries().size();
        long[] v = new long[m];
        boolean useFile = file != null && file.rank() == 1 && file.size() == m;
        boolean reshape = opType.equals("Reshape");
        int inferred = -1;
        if (useFile) {
            for (int i = 0; i < m; i++) if (file.isKnown(i) && file.getLong(i) == -1 && reshape) inferred = i;
        }
        for (int i = 0; i < m; i++) {
            Dim d = si.entries().get(i);
            boolean dynamic = useFile && !file.isKnown(i);
            if (useFile && !dynamic) {
                long lit = file.getLong(i);
                if (reshape && (lit == -1 || (lit == 0 && si.zeroCopies()))) { v[i] = lit; continue; }
                if (!analysis.dependsOn(d, changed)) { v[i] = lit; continue; }
            }
            long s = dynamic ? -1 : analysis.newSize(d, counts);
            if (s >= 0) v[i] = s;
            else if (si.copyAxis()[i] && si.zeroCopies()) v[i] = 0;
            else if (dynamic && !reshape) {
                throw new DynamicShapeException("cannot rewrite the shape of " + opType + " node '" + node
                        + "' without fixing its dynamic dims (prune without --input-shape)");
            }
            else if (inferred < 0) { v[i] = -1; inferred = i; }
            else if (dynamic) {
                throw new DynamicShapeException("cannot rewrite the shape of node '" + node
                        + "' without fixing its dynamic dims (prune without --input-shape)");
            }
            else throw new IllegalStateException("cannot rewrite the shape of node '" + node + "'");
        }
        return v;
    }

    /** Slice starts/ends with entry {@code position} to be set: the file's own values elsewhere (never frozen). */
    private static long[] sliceEntries(String node, String what, long[] analyzed, int position, dev.lopper.graph.TensorValue file) {
        long[] v = analyzed.clone();
        if (file == null || file.rank() != 1 || file.size() != v.length) return v;
        for (int i = 0; i < v.length; i++) {
            if (i == position) continue;
            if (!file.isKnown(i)) {
                throw new IllegalStateException("cannot rewrite the Slice " + what + " of node '" + node
                        + "' without fixing its dynamic dims (prune without --input-shape)");
            }
            v[i] = file.getLong(i);
        }
        return v;
    }

    /**
     * Removes the Identity chains from {@code t} (and the Constant node making {@code t}) that nothing reads any
     * more once every reader has its own copy, so the written model holds no orphaned tensor.
     */
    private static void dropUnread(GraphProto.Builder gb, String t) {
        Set<String> chain = new HashSet<>(Set.of(t));
        boolean progress = true;
        while (progress) {
            progress = false;
            Set<String> read = new HashSet<>();
            for (NodeProto n : gb.getNodeList()) {
                read.addAll(n.getInputList());
                for (AttributeProto a : n.getAttributeList()) if (a.hasG() || a.getGraphsCount() > 0) return;
            }
            for (ValueInfoProto o : gb.getOutputList()) read.add(o.getName());
            for (int i = gb.getNodeCount() - 1; i >= 0; i--) {
                NodeProto n = gb.getNode(i);
                if (n.getOutputCount() != 1 || read.contains(n.getOutput(0)) || !n.getDomain().isEmpty()) continue;
                boolean fromT = n.getOpType().equals("Identity") && n.getInputCount() == 1 && chain.contains(n.getInput(0));
                boolean makesT = n.getOpType().equals("Constant") && n.getOutput(0).equals(t);
                if (!fromT && !makesT) continue;
                chain.add(n.getOutput(0));
                gb.removeNode(i);
                progress = true;
            }
        }
    }

    /** Positions removed from each constant, per axis, when each group loses the given root channels. */
    static Map<String, Map<Integer, BitSet>> removals(GroupAnalysis analysis, Map<String, BitSet> removedChannels) {
        Map<String, Map<Integer, BitSet>> removals = new LinkedHashMap<>();
        for (Map.Entry<String, BitSet> e : removedChannels.entrySet()) {
            CoupledGroup g = analysis.group(e.getKey());
            for (ParamSlice s : g.slices()) {
                BitSet b = removals.computeIfAbsent(s.storageKey(), x -> new HashMap<>()).computeIfAbsent(s.axis(), x -> new BitSet());
                for (int c = e.getValue().nextSetBit(0); c >= 0; c = e.getValue().nextSetBit(c + 1)) {
                    for (int p : s.map().indicesOf(c)) b.set(p);
                }
            }
        }
        return removals;
    }

    /** Drops initializers this rewrite replaced that nothing reads any more (no node, output or subgraph). */
    private static void removeUnused(GraphProto.Builder gb, Set<String> replaced) {
        if (replaced.isEmpty()) return;
        Set<String> used = new HashSet<>();
        for (NodeProto n : gb.getNodeList()) {
            used.addAll(n.getInputList());
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG() || a.getGraphsCount() > 0) return; // subgraphs may read anything: keep all
            }
        }
        for (ValueInfoProto o : gb.getOutputList()) used.add(o.getName());
        Set<String> inputs = new HashSet<>();
        for (ValueInfoProto i : gb.getInputList()) inputs.add(i.getName());
        for (int i = gb.getInitializerCount() - 1; i >= 0; i--) {
            String name = gb.getInitializer(i).getName();
            if (replaced.contains(name) && !used.contains(name) && !inputs.contains(name)) gb.removeInitializer(i);
        }
    }

    /** A tensor stored in the graph being written: an initializer or a Constant node's value. */
    private static TensorProto findTensor(GraphProto.Builder gb, String name) {
        for (TensorProto t : gb.getInitializerList()) if (t.getName().equals(name)) return t;
        for (NodeProto n : gb.getNodeList()) {
            if (n.getOpType().equals("Constant") && n.getOutputCount() > 0 && n.getOutput(0).equals(name)) {
                for (AttributeProto a : n.getAttributeList()) {
                    if (a.getName().equals("value")) return a.getT();
                    if (a.getName().equals("value_ints")) {
                        TensorProto.Builder t = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE).addDims(a.getIntsCount());
                        t.addAllInt64Data(a.getIntsList());
                        return t.build();
                    }
                    if (a.getName().equals("value_int")) {
                        return TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(a.getI()).build();
                    }
                }
            }
        }
        return null;
    }

    private static long[] intValues(OnnxModel model, GraphProto.Builder gb, String name) throws ModelLoadException {
        TensorProto t = findTensor(gb, name);
        if (t == null) return null;
        int dt = t.getDataType();
        if (dt != TensorProto.DataType.INT64_VALUE && dt != TensorProto.DataType.INT32_VALUE) return null;
        return model.tensor(t).toLongArray();
    }

    /** The tensor with the given positions removed along each axis (axis → removed positions). */
    /**
     * A Constant node whose {@code value} has channels removed, or null when none of its output's channels go (or it
     * was already sliced); the output is added to {@code done}.
     */
    private static NodeProto slicedConstant(OnnxModel original, NodeProto n, Map<String, Map<Integer, BitSet>> removals,
                                            Set<String> done) throws ModelLoadException {
        Map<Integer, BitSet> r = removals.get(n.getOutput(0));
        if (r == null || done.contains(n.getOutput(0))) return null;
        NodeProto.Builder nb = n.toBuilder();
        for (int a = 0; a < nb.getAttributeCount(); a++) {
            AttributeProto at = nb.getAttribute(a);
            if (at.getName().equals("value")) {
                nb.setAttribute(a, at.toBuilder().setT(without(original, at.getT(), r)));
                done.add(n.getOutput(0));
            }
        }
        return nb.build();
    }

    private static TensorProto without(OnnxModel model, TensorProto t, Map<Integer, BitSet> removed) throws ModelLoadException {
        int[] axes = new int[removed.size()];
        int[][] keep = new int[removed.size()][];
        int i = 0;
        for (Map.Entry<Integer, BitSet> e : new java.util.TreeMap<>(removed).entrySet()) {
            int n = Math.toIntExact(t.getDims(e.getKey()));
            BitSet gone = e.getValue();
            int[] k = new int[n - gone.get(0, n).cardinality()];
            for (int p = 0, j = 0; p < n; p++) if (!gone.get(p)) k[j++] = p;
            axes[i] = e.getKey();
            keep[i++] = k;
        }
        return Tensors.sliceAxes(model, t, axes, keep);
    }

    private static void validate(CoupledGroup g, int[] k) {
        if (k.length < Math.max(1, g.minChannels())) {
            throw new IllegalArgumentException("group '" + g.id() + "' must keep at least " + Math.max(1, g.minChannels()) + " channels");
        }
        if (g.multipleOf() > 1 && k.length % g.multipleOf() != 0) {
            throw new IllegalArgumentException("group '" + g.id() + "' must keep a multiple of " + g.multipleOf() + " channels");
        }
        for (int i = 0; i < k.length; i++) {
            if (k[i] < 0 || k[i] >= g.channels()) throw new IllegalArgumentException("channel " + k[i] + " out of range for group '" + g.id() + "'");
            if (i > 0 && k[i] <= k[i - 1]) throw new IllegalArgumentException("kept channels of group '" + g.id() + "' are not sorted and unique");
        }
    }

    private static boolean hasBodies(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) if (a.hasG() || a.getGraphsCount() > 0) return true;
        return false;
    }

    /** The node with every body (recursively) sliced: see {@link #body}. */
    private static NodeProto withBodies(OnnxModel original, NodeProto n, Map<String, Map<Integer, BitSet>> removals,
                                        Set<String> done, GroupAnalysis analysis, Map<String, Integer> counts)
            throws ModelLoadException {
        NodeProto.Builder nb = n.toBuilder();
        for (int a = 0; a < nb.getAttributeCount(); a++) {
            AttributeProto at = nb.getAttribute(a);
            if (!at.hasG() && at.getGraphsCount() == 0) continue;
            AttributeProto.Builder ab = at.toBuilder();
            if (at.hasG()) ab.setG(body(original, at.getG(), removals, done, analysis, counts));
            for (int k = 0; k < at.getGraphsCount(); k++) ab.setGraphs(k, body(original, at.getGraphs(k), removals, done, analysis, counts));
            nb.setAttribute(a, ab);
        }
        return nb.build();
    }

    /**
     * A body with its own initializers and Constant-node values sliced like the main graph's, and the shapes of its
     * outputs and value_info following the analysis (an If output's channels are one group across both branches).
     */
    private static GraphProto body(OnnxModel original, GraphProto g, Map<String, Map<Integer, BitSet>> removals,
                                   Set<String> done, GroupAnalysis analysis, Map<String, Integer> counts)
            throws ModelLoadException {
        GraphProto.Builder b = g.toBuilder();
        for (int i = 0; i < b.getInitializerCount(); i++) {
            TensorProto t = b.getInitializer(i);
            Map<Integer, BitSet> r = removals.get(t.getName());
            if (r == null || done.contains(t.getName())) continue;
            b.setInitializer(i, without(original, t, r));
            done.add(t.getName());
        }
        for (int i = 0; i < b.getNodeCount(); i++) {
            NodeProto n = b.getNode(i);
            if (n.getOpType().equals("Constant") && n.getOutputCount() > 0) {
                NodeProto sliced = slicedConstant(original, n, removals, done);
                if (sliced != null) b.setNode(i, sliced);
            } else if (hasBodies(n)) {
                b.setNode(i, withBodies(original, n, removals, done, analysis, counts));
            }
        }
        Map<String, Dim[]> dims = analysis.tensorDims();
        Set<String> changed = counts.keySet();
        for (int i = 0; i < b.getValueInfoCount(); i++) b.setValueInfo(i, reshape(b.getValueInfo(i), dims, analysis, counts, changed));
        for (int i = 0; i < b.getOutputCount(); i++) b.setOutput(i, reshape(b.getOutput(i), dims, analysis, counts, changed));
        for (int i = 0; i < b.getInputCount(); i++) b.setInput(i, reshape(b.getInput(i), dims, analysis, counts, changed));
        return b.build();
    }

    private static ValueInfoProto reshape(ValueInfoProto v, Map<String, Dim[]> dims, GroupAnalysis a,
                                          Map<String, Integer> counts, Set<String> changed) {
        Dim[] d = dims.get(v.getName());
        if (d == null) d = dims.get(a.graph().resolve(v.getName()));
        if (d == null || !v.hasType() || !v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) return v;
        TensorShapeProto s = v.getType().getTensorType().getShape();
        if (s.getDimCount() != d.length) return v;
        TensorShapeProto.Builder sb = s.toBuilder();
        boolean any = false;
        for (int i = 0; i < d.length; i++) {
            if (!s.getDim(i).hasDimValue() || !a.dependsOn(d[i], changed)) continue;
            long n = a.newSize(d[i], counts);
            if (n >= 0) sb.setDim(i, TensorShapeProto.Dimension.newBuilder().setDimValue(n));
            else sb.setDim(i, TensorShapeProto.Dimension.newBuilder());
            any = true;
        }
        if (!any) return v;
        TypeProto.Tensor.Builder tt = v.getType().getTensorType().toBuilder().setShape(sb);
        return v.toBuilder().setType(v.getType().toBuilder().setTensorType(tt)).build();
    }

    private static int opset(ModelProto p) {
        int v = 13;
        for (var o : p.getOpsetImportList()) if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) v = (int) o.getVersion();
        return v;
    }

    private static String fresh(Set<String> used, String base) {
        String n = base;
        for (int i = 2; !used.add(n); i++) n = base + "_" + i;
        return n;
    }

    static TensorProto int64(String name, long[] v) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(v.length);
        for (long x : v) t.addInt64Data(x);
        return t.build();
    }

    private static void setInt(NodeProto.Builder nb, String name, long value) {
        for (int i = 0; i < nb.getAttributeCount(); i++) {
            if (nb.getAttribute(i).getName().equals(name)) {
                nb.setAttribute(i, nb.getAttribute(i).toBuilder().setI(value));
                return;
            }
        }
        nb.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value));
    }

    private static void setInts(NodeProto.Builder nb, String name, long[] values) {
        removeAttribute(nb, name);
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) a.addInts(v);
        nb.addAttribute(a);
    }

    private static void removeAttribute(NodeProto.Builder nb, String name) {
        for (int i = nb.getAttributeCount() - 1; i >= 0; i--) if (nb.getAttribute(i).getName().equals(name)) nb.removeAttribute(i);
    }

    private static String escape(String s) { return s.replace("\\", "\\\\").replace("\"", "\\\""); }

    /** Root channels kept by a plan that removes the given channels of one group (test and tool helper). */
    public static int[] keepAllBut(int channels, int... removed) {
        BitSet b = new BitSet();
        b.set(0, channels);
        for (int r : removed) b.clear(r);
        return b.stream().toArray();
    }

    @SuppressWarnings("unused")
    private static List<String> names(List<Node> nodes) {
        List<String> r = new ArrayList<>();
        for (Node n : nodes) r.add(n.name());
        return r;
    }
}
