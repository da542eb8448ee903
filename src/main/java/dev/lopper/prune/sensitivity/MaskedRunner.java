package dev.lopper.prune.sensitivity;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.runtime.EvalException;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.OrtEnv;
import dev.lopper.graph.ModelGraph;
import dev.lopper.importance.Weights;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorShapeProto;
import dev.lopper.onnx.proto.Onnx.TypeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;
import dev.lopper.task.CancelledException;

/**
 * ONE ONNX Runtime session that can run the model as if some groups' channels were removed, without rewriting
 * the file: removing channel c is exactly equivalent to zeroing the columns of every layer that reads it (the
 * project's zero-channel oracle), so the consumers' weight initializers become graph inputs, fed from copies
 * kept in ONNX Runtime memory, and each run replaces only the tensors it masks. (ONNX Runtime lets a graph input
 * with an initializer's name override it, but its Java API refuses such feeds, hence real inputs.) Thread-safe: runs may go in parallel.
 *
 * <p>Exact for groups without mixing nodes (LayerNorm/Softmax over the channels); for those zeroing is an
 * approximation and {@link #approximate(CoupledGroup)} says so. A group whose consumer weights are not stored
 * float32 initializers (or Constant nodes; those of If/Loop/Scan bodies are fed from the main graph, which the body
 * reads by name) cannot be masked: {@link #unsupported()} gives the reason.
 */
public final class MaskedRunner implements AutoCloseable {
    private OrtSession session;
    private final ModelProto rewired;
    private final OnnxModel model;
    private final int threads;
    private final OrtSession.RunOptions runOptions;
    private final Map<String, Weights.Tensor> originals = new HashMap<>();
    /** The unmasked weights, in ONNX Runtime memory, fed whenever a run does not replace them. */
    private final Map<String, OnnxTensor> defaults = new LinkedHashMap<>();
    /** group id → tensor → axis → positions to zero per root channel (via the slice maps). */
    private final Map<String, List<ParamSlice>> masks = new HashMap<>();
    private final Map<String, String> unsupported = new LinkedHashMap<>();
    private final List<String> inputNames;
    private volatile boolean terminated;

    private MaskedRunner(ModelProto rewired, OnnxModel model, List<String> inputNames, int threads) {
        this.rewired = rewired;
        this.model = model;
        this.inputNames = inputNames;
        this.threads = threads;
        try {
            this.runOptions = new OrtSession.RunOptions();
        } catch (OrtException e) {
            throw new EvalException("ONNX Runtime: " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * @param graph   the standardized graph the groups were found on (constants decoded from it)
     * @param model   the stored model (what ONNX Runtime loads)
     * @param groups  groups to make maskable (locked ones are skipped)
     * @param threads intra-op threads of the session (0 = ONNX Runtime's choice)
     */
    public static MaskedRunner open(ModelGraph graph, OnnxModel model, List<CoupledGroup> groups, int threads) {
        ModelProto proto = model.proto();
        GraphProto g = proto.getGraph();
        Set<String> stored = new java.util.HashSet<>();
        for (TensorProto t : g.getInitializerList()) stored.add(t.getName());
        Map<String, TensorProto> constantNodes = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("Constant") && n.getOutputCount() == 1) {
                n.getAttributeList().stream().filter(a -> a.getName().equals("value") && a.hasT()).findFirst()
                        .ifPresent(a -> constantNodes.put(n.getOutput(0), a.getT().toBuilder().setName(n.getOutput(0)).build()));
            }
        }
        // weights If/Loop/Scan bodies hold of their own: fed from the main graph like the others (a body reads an outer
        // value by name once its own initializer or Constant node is gone), unless two graphs use the name
        Map<String, TensorProto> bodyHeld = new HashMap<>();
        Set<String> ambiguous = new java.util.HashSet<>();
        Set<String> mainNames = new java.util.HashSet<>(stored);
        mainNames.addAll(constantNodes.keySet());
        for (NodeProto n : g.getNodeList()) collectBodyConstants(n, mainNames, bodyHeld, ambiguous);
        Map<String, List<ParamSlice>> masks = new HashMap<>();
        Map<String, String> unsupported = new LinkedHashMap<>();
        Set<String> needed = new java.util.LinkedHashSet<>();
        for (CoupledGroup cg : groups) {
            if (!cg.isPrunable()) continue;
            List<ParamSlice> slices = cg.slices().stream().filter(s -> s.role() == ParamSlice.Role.CONSUMER_WEIGHT).toList();
            if (slices.isEmpty()) {
                // nothing reads the channels through weights: silence them at their producers instead
                slices = cg.slices().stream().filter(s -> s.role() == ParamSlice.Role.PRODUCER_WEIGHT
                        || s.role() == ParamSlice.Role.PRODUCER_BIAS || s.role() == ParamSlice.Role.NORM_SCALE
                        || s.role() == ParamSlice.Role.NORM_BIAS).toList();
            }
            String why = null;
            if (slices.isEmpty()) why = "no weights read or make its channels";
            for (ParamSlice s : slices) {
                if (why != null) break;
                TensorProto t = graph.constant(s.tensor());
                if (t == null) t = bodyHeld.get(s.tensor());
                if (ambiguous.contains(s.tensor())) {
                    why = "weight '" + s.tensor() + "' names tensors of more than one graph (main graph, If/Loop/Scan bodies)";
                } else if (!stored.contains(s.tensor()) && !constantNodes.containsKey(s.tensor()) && !bodyHeld.containsKey(s.tensor())) {
                    why = "weight '" + s.tensor() + "' is computed in the graph, not stored";
                } else if (t == null || t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
                    why = "weight '" + s.tensor() + "' is not float32";
                }
            }
            if (why != null) {
                unsupported.put(cg.id(), why);
                continue;
            }
            masks.put(cg.id(), slices);
            slices.forEach(s -> needed.add(s.tensor()));
        }
        // the model ONNX Runtime loads: every maskable weight becomes a graph input (ONNX Runtime's Java API does not
        // accept feeds for initializers that are also inputs, so they are taken out of the initializers and always fed;
        // the unmasked values live in ONNX Runtime memory once and are reused by every run)
        GraphProto.Builder gb = g.toBuilder();
        gb.clearNode();
        for (NodeProto n : g.getNodeList()) {
            if (!(n.getOpType().equals("Constant") && n.getOutputCount() == 1 && needed.contains(n.getOutput(0)))) {
                gb.addNode(withoutBodyConstants(n, needed));
            }
        }
        gb.clearInitializer();
        for (TensorProto t : g.getInitializerList()) if (!needed.contains(t.getName())) gb.addInitializer(t);
        List<ValueInfoProto> keptInputs = g.getInputList().stream().filter(v -> !needed.contains(v.getName())).toList();
        gb.clearInput().addAllInput(keptInputs);
        for (String name : needed) {
            TensorProto t = graph.constant(name);
            if (t == null) t = bodyHeld.get(name);
            TensorShapeProto.Builder sh = TensorShapeProto.newBuilder();
            for (long d : t.getDimsList()) sh.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
            gb.addInput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                    .setTensorType(TypeProto.Tensor.newBuilder().setElemType(t.getDataType()).setShape(sh))));
        }
        ModelProto.Builder mb = proto.toBuilder().setGraph(gb);
        if (mb.getIrVersion() < 4) mb.setIrVersion(4);
        List<String> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) if (!stored.contains(v.getName()) && !needed.contains(v.getName())) inputs.add(v.getName());
        MaskedRunner r = new MaskedRunner(mb.build(), model, List.copyOf(inputs), threads);
        r.masks.putAll(masks);
        r.unsupported.putAll(unsupported);
        try {
            for (String name : needed) {
                TensorProto body = graph.constant(name) == null ? bodyHeld.get(name) : null;
                r.originals.put(name, Weights.decode(name, body != null ? graph.model().tensor(body) : graph.constantValue(name)));
            }
        } catch (dev.lopper.onnx.ModelLoadException e) {
            throw new EvalException(e.getMessage(), e);
        }
        return r;
    }

    /**
     * The initializers and Constant-node values of {@code n}'s bodies (recursively) into {@code held}; a name two
     * graphs use (or a body also lists as an input) goes to {@code ambiguous}.
     */
    private static void collectBodyConstants(NodeProto n, Set<String> mainNames, Map<String, TensorProto> held, Set<String> ambiguous) {
        for (var a : n.getAttributeList()) {
            List<GraphProto> bodies = new ArrayList<>(a.getGraphsList());
            if (a.hasG()) bodies.add(a.getG());
            for (GraphProto b : bodies) {
                Set<String> inputs = new java.util.HashSet<>();
                for (ValueInfoProto v : b.getInputList()) inputs.add(v.getName());
                List<TensorProto> own = new ArrayList<>(b.getInitializerList());
                for (NodeProto bn : b.getNodeList()) {
                    if (bn.getOpType().equals("Constant") && bn.getOutputCount() == 1) {
                        bn.getAttributeList().stream().filter(x -> x.getName().equals("value") && x.hasT()).findFirst()
                                .ifPresent(x -> own.add(x.getT().toBuilder().setName(bn.getOutput(0)).build()));
                    }
                }
                for (TensorProto t : own) {
                    if (mainNames.contains(t.getName()) || inputs.contains(t.getName()) || held.put(t.getName(), t) != null) {
                        ambiguous.add(t.getName());
                    }
                }
                for (NodeProto bn : b.getNodeList()) collectBodyConstants(bn, mainNames, held, ambiguous);
            }
        }
    }

    /** {@code n} with the given names' initializers and Constant nodes taken out of its bodies (recursively). */
    private static NodeProto withoutBodyConstants(NodeProto n, Set<String> names) {
        boolean any = false;
        for (var a : n.getAttributeList()) any |= a.hasG() || a.getGraphsCount() > 0;
        if (!any) return n;
        NodeProto.Builder nb = n.toBuilder();
        for (int i = 0; i < nb.getAttributeCount(); i++) {
            var ab = nb.getAttribute(i).toBuilder();
            if (ab.hasG()) ab.setG(withoutConstants(ab.getG(), names));
            for (int k = 0; k < ab.getGraphsCount(); k++) ab.setGraphs(k, withoutConstants(ab.getGraphs(k), names));
            nb.setAttribute(i, ab);
        }
        return nb.build();
    }

    private static GraphProto withoutConstants(GraphProto b, Set<String> names) {
        GraphProto.Builder gb = b.toBuilder().clearInitializer().clearNode();
        for (TensorProto t : b.getInitializerList()) if (!names.contains(t.getName())) gb.addInitializer(t);
        for (NodeProto bn : b.getNodeList()) {
            if (bn.getOpType().equals("Constant") && bn.getOutputCount() == 1 && names.contains(bn.getOutput(0))) continue;
            gb.addNode(withoutBodyConstants(bn, names));
        }
        return gb.build();
    }

    /** The session over every maskable weight, opened on first use. */
    private synchronized OrtSession session() {
        if (session != null) return session;
        OrtEnv.get(); // natives that cannot load: one line, before any ORT class initializes
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (threads > 0) options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            options.addConfigEntry("session.model_external_initializers_file_folder_path", model.baseDir().toAbsolutePath().toString());
            session = OrtEnv.get().createSession(rewired.toByteArray(), options);
            for (Map.Entry<String, Weights.Tensor> e : originals.entrySet()) {
                defaults.put(e.getKey(), OnnxTensor.createTensor(OrtEnv.get(), FloatBuffer.wrap(e.getValue().values()), e.getValue().dims()));
            }
            return session;
        } catch (OrtException e) {
            throw new EvalException(model.path() + ": ONNX Runtime cannot load the model with maskable weights: "
                    + firstLine(e.getMessage()), e);
        }
    }

    /** The stored model ONNX Runtime loads (before rewiring). */
    public OnnxModel model() { return model; }

    /** Weight name → dims, for every maskable weight. */
    public Map<String, long[]> weightDims() {
        Map<String, long[]> m = new HashMap<>();
        originals.forEach((k, v) -> m.put(k, v.dims()));
        return m;
    }

    /** Groups that can be masked. */
    public Set<String> maskableGroups() { return new java.util.TreeSet<>(masks.keySet()); }

    /** The unmasked values of a maskable weight (do not modify). */
    float[] original(String name) { return originals.get(name).values(); }

    /** The weights a group's mask changes. */
    public Set<String> maskedTensors(String groupId) {
        Set<String> t = new java.util.LinkedHashSet<>();
        masks.get(groupId).forEach(sl -> t.add(sl.tensor()));
        return t;
    }

    /** Model inputs a caller feeds (not the overridable weights). */
    public List<String> inputNames() { return inputNames; }

    /** Groups that cannot be measured this way → why. */
    public Map<String, String> unsupported() { return unsupported; }

    public boolean canMask(String groupId) { return masks.containsKey(groupId); }

    /** Zeroing is only an approximation of removal for groups that a node normalizes over. */
    public static boolean approximate(CoupledGroup g) { return !g.mixingNodes().isEmpty(); }

    /** The masked weights for removing {@code removed} root channels of each group (group id → channels). */
    public Map<String, float[]> maskedWeights(Map<String, int[]> removed) {
        Map<String, Map<Integer, BitSet>> zero = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : removed.entrySet()) {
            List<ParamSlice> slices = masks.get(e.getKey());
            if (slices == null) throw new IllegalArgumentException("group " + e.getKey() + " cannot be masked");
            for (ParamSlice s : slices) {
                BitSet b = zero.computeIfAbsent(s.tensor(), k -> new HashMap<>()).computeIfAbsent(s.axis(), k -> new BitSet());
                for (int c : e.getValue()) for (int p : s.map().indicesOf(c)) b.set(p);
            }
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        zero.forEach((name, axes) -> {
            Weights.Tensor t = originals.get(name);
            float[] v = t.values().clone();
            axes.forEach((axis, bits) -> {
                int outer = t.outer(axis), dim = t.dim(axis), inner = t.inner(axis);
                for (int p = bits.nextSetBit(0); p >= 0 && p < dim; p = bits.nextSetBit(p + 1)) {
                    for (int o = 0; o < outer; o++) {
                        int base = (o * dim + p) * inner;
                        java.util.Arrays.fill(v, base, base + inner, 0f);
                    }
                }
            });
            out.put(name, v);
        });
        return out;
    }

    /** Runs on prepared inputs with some weights replaced; returns every output copied into Java memory. */
    public Map<String, HostTensor> run(Map<String, OnnxTensor> inputs, Map<String, float[]> weights) {
        if (terminated) throw new CancelledException();
        OrtSession session = session();
        Map<String, OnnxTensor> feed = new LinkedHashMap<>(inputs);
        feed.putAll(defaults);
        List<OnnxTensor> created = new ArrayList<>();
        try {
            for (Map.Entry<String, float[]> e : weights.entrySet()) {
                OnnxTensor t = OnnxTensor.createTensor(OrtEnv.get(), FloatBuffer.wrap(e.getValue()), originals.get(e.getKey()).dims());
                created.add(t);
                feed.put(e.getKey(), t);
            }
            try (OrtSession.Result res = session.run(feed, runOptions)) {
                Map<String, HostTensor> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : res) {
                    if (!(e.getValue() instanceof OnnxTensor t)) throw new EvalException("output '" + e.getKey() + "' is not a tensor");
                    out.put(e.getKey(), HostTensor.fromOrt(e.getKey(), t));
                }
                return out;
            }
        } catch (OrtException e) {
            if (terminated) throw new CancelledException();
            throw new EvalException("ONNX Runtime failed on a masked run: " + firstLine(e.getMessage()), e);
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    /** Stops the run in progress and every later one. */
    public synchronized void terminate() {
        terminated = true;
        try {
            runOptions.setTerminate(true);
        } catch (OrtException ignored) {
            // closing
        }
    }

    @Override
    public synchronized void close() {
        defaults.values().forEach(OnnxTensor::close);
        runOptions.close();
        if (session == null) return;
        try {
            session.close();
        } catch (OrtException ignored) {
            // nothing to do
        }
        session = null;
    }

    static String firstLine(String s) {
        if (s == null) return "unknown error";
        String t = s.strip();
        int i = t.indexOf('\n');
        return (i < 0 ? t : t.substring(0, i).strip()).replaceFirst("^Error code - \\w+ - message: ", "");
    }
}
