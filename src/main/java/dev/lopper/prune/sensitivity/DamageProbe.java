package dev.lopper.prune.sensitivity;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import dev.lopper.runtime.AccuracyAccumulator;
import dev.lopper.runtime.Batch;
import dev.lopper.runtime.DataOptions;
import dev.lopper.runtime.Dataset;
import dev.lopper.runtime.Datasets;
import dev.lopper.runtime.EvalException;
import dev.lopper.runtime.EvalSession;
import dev.lopper.runtime.FidelityAccumulator;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.OutputFidelity;
import dev.lopper.runtime.RandomInputs;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.runtime.ShapePolicy;
import dev.lopper.runtime.TensorSpec;
import dev.lopper.prune.PruningSession;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.task.Progress;

/**
 * Measures the damage of removing any channels of any groups, on fixed samples, through one {@link MaskedRunner}:
 * the samples are read (or generated) once and kept in ONNX Runtime memory, the original's outputs are the
 * reference. Thread-safe for {@link #measure}.
 */
public final class DamageProbe implements AutoCloseable {
    /** Largest batch fed to ONNX Runtime at once. */
    static final int MAX_BATCH = 32;

    /** Damage of one masked configuration: accuracy (NaN without labels), worst cosine and relative L2 over outputs, damage. */
    public record Damage(double accuracy, double cosine, double relL2, double damage) { }

    private final MaskedRunner runner;
    private final List<Map<String, OnnxTensor>> prepared = new ArrayList<>();
    private final List<Map<String, HostTensor>> reference = new ArrayList<>();
    /** Per batch: graph inputs and the activations the groups' suffixes read. */
    private final List<Map<String, HostTensor>> frontier = new ArrayList<>();
    private final Map<String, SuffixModel> suffixes = new java.util.HashMap<>();
    private final List<int[]> labels;
    private final boolean hasLabels;
    private final String scored;
    private final double baselineAccuracy;
    private final int samples;

    private DamageProbe(MaskedRunner runner, List<Map<String, HostTensor>> batches, List<int[]> labels, Path data,
                        Progress progress) {
        this.runner = runner;
        this.labels = labels;
        this.hasLabels = labels.stream().allMatch(l -> l != null);
        int n = 0;
        try {
            // the suffix of every maskable group, and the activations they read from the unchanged part
            ModelProto proto = runner.model().proto();
            java.util.Set<String> graphInputs = new java.util.HashSet<>();
            proto.getGraph().getInputList().forEach(v -> graphInputs.add(v.getName()));
            java.util.LinkedHashSet<String> expose = new java.util.LinkedHashSet<>();
            for (String id : runner.maskableGroups()) {
                SuffixModel.of(proto, runner.maskedTensors(id)).ifPresent(sm -> {
                    suffixes.put(id, sm);
                    for (String f : sm.frontier()) if (!graphInputs.contains(f)) expose.add(f);
                });
            }
            List<String> outputs = proto.getGraph().getOutputList().stream().map(v -> v.getName()).toList();
            ModelProto exposed = dev.lopper.runtime.ActivationCapture.exposeTensors(proto, List.copyOf(expose));
            try (EvalSession cap = EvalSession.open(ModelSource.of(exposed, runner.model().baseDir(), runner.model().path().toString()),
                    SessionConfig.DEFAULT.withThreads(Math.max(1, Runtime.getRuntime().availableProcessors())))) {
                int k = 0;
                for (Map<String, HostTensor> b : batches) {
                    progress.checkCancelled();
                    progress.update("running the original", k++, batches.size());
                    Map<String, OnnxTensor> m = new LinkedHashMap<>();
                    prepared.add(m);
                    for (String name : runner.inputNames()) {
                        HostTensor h = b.get(name);
                        if (h == null) throw new EvalException("no data for input '" + name + "'");
                        m.put(name, h.toOrt());
                    }
                    Map<String, HostTensor> feed = new LinkedHashMap<>();
                    for (String name : runner.inputNames()) feed.put(name, b.get(name));
                    Map<String, HostTensor> out = cap.run(feed);
                    Map<String, HostTensor> ref = new LinkedHashMap<>();
                    for (String o : outputs) ref.put(o, out.get(o));
                    reference.add(ref);
                    Map<String, HostTensor> act = new java.util.HashMap<>(feed);
                    for (String e : expose) act.put(e, out.get(e));
                    frontier.add(act);
                    n += (int) b.values().iterator().next().dim(0);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.samples = n;
        this.scored = hasLabels ? SensitivityAnalysis.classifierOutput(reference.get(0), data) : null;
        this.baselineAccuracy = hasLabels ? accuracy(reference) : Double.NaN;
    }

    /**
     * Opens a probe on the first {@code settings.samples()} samples of {@code data} (null: seeded random inputs).
     *
     * @throws EvalException when the data cannot be read or does not fit the model
     */
    public static DamageProbe open(PruningSession s, SensitivitySettings settings, Path data, Progress progress) {
        List<Map<String, HostTensor>> batches = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        progress.update("reading samples", 0, 1);
        try (EvalSession probe = EvalSession.open(ModelSource.of(s.path()), SessionConfig.DEFAULT.withThreads(1))) {
            List<TensorSpec> specs = probe.inputs();
            int batch = batchable(specs, settings) ? Math.min(MAX_BATCH, settings.samples()) : 1;
            if (data != null) {
                try (Dataset ds = Datasets.open(data, DataOptions.DEFAULT, specs, ShapePolicy.of(settings.inputShapes(), batch))) {
                    int got = 0;
                    while (got < settings.samples()) {
                        Batch b = ds.next(Math.min(batch, settings.samples() - got));
                        if (b == null) break;
                        batches.add(b.inputs());
                        labels.add(b.labels());
                        got += b.size();
                    }
                    if (got == 0) throw new EvalException(data + ": no samples");
                }
            } else {
                for (int got = 0, k = 0; got < settings.samples(); k++) {
                    int n = Math.min(batch, settings.samples() - got);
                    batches.add(RandomInputs.forSession(probe, ShapePolicy.of(settings.inputShapes(), n), null, settings.seed() * 7919 + k));
                    labels.add(null);
                    got += n;
                }
            }
        }
        progress.update("opening ONNX Runtime with maskable weights", 0, 1);
        MaskedRunner runner = MaskedRunner.open(s.graph(), s.model(), s.groups(), 1);
        try {
            return new DamageProbe(runner, batches, labels, data, progress);
        } catch (RuntimeException e) {
            runner.close();
            throw e;
        }
    }

    public MaskedRunner runner() { return runner; }

    public boolean hasLabels() { return hasLabels; }

    public double baselineAccuracy() { return baselineAccuracy; }

    public int samples() { return samples; }

    /**
     * A session over only the part of the model that one group's mask changes (every other weight constant), for
     * measuring that group alone; falls back to the shared session when the group has no suffix model.
     */
    public GroupProbe openGroup(String groupId) {
        SuffixModel sm = suffixes.get(groupId);
        if (sm == null) return removed -> measure(Map.of(groupId, removed));
        ModelProto model = sm.build(runner.model().proto(), frontier.get(0), runner.weightDims());
        EvalSession session = EvalSession.open(ModelSource.of(model, runner.model().baseDir(), groupId), SessionConfig.DEFAULT.withThreads(1));
        return new GroupProbe() {
            @Override
            public Damage measure(int[] removed) {
                Map<String, float[]> w = runner.maskedWeights(Map.of(groupId, removed));
                FidelityAccumulator fid = new FidelityAccumulator();
                List<Map<String, HostTensor>> outs = new ArrayList<>();
                for (int b = 0; b < frontier.size(); b++) {
                    Map<String, HostTensor> feed = new LinkedHashMap<>();
                    for (String f : sm.frontier()) feed.put(f, frontier.get(b).get(f));
                    for (dev.lopper.runtime.TensorSpec in : session.inputs()) {
                        if (!feed.containsKey(in.name())) {
                            float[] v = w.get(in.name());
                            if (v == null) v = runner.original(in.name());
                            feed.put(in.name(), HostTensor.ofFloats(runner.weightDims().get(in.name()), v));
                        }
                    }
                    Map<String, HostTensor> o = new LinkedHashMap<>(reference.get(b));
                    o.putAll(session.run(feed));
                    fid.add(reference.get(b), o);
                    if (hasLabels) outs.add(o);
                }
                return damage(fid, outs);
            }

            @Override
            public void close() { session.close(); }
        };
    }

    /** Measures one group alone. */
    public interface GroupProbe extends AutoCloseable {
        Damage measure(int[] removed);

        @Override
        default void close() { }
    }

    /** The damage of removing {@code removed} root channels of each group (group id → channels), all at once. */
    public Damage measure(Map<String, int[]> removed) {
        Map<String, float[]> w = runner.maskedWeights(removed);
        FidelityAccumulator fid = new FidelityAccumulator();
        List<Map<String, HostTensor>> outs = new ArrayList<>();
        for (int b = 0; b < prepared.size(); b++) {
            Map<String, HostTensor> o = runner.run(prepared.get(b), w);
            fid.add(reference.get(b), o);
            if (hasLabels) outs.add(o);
        }
        return damage(fid, outs);
    }

    private Damage damage(FidelityAccumulator fid, List<Map<String, HostTensor>> outs) {
        double cos = 1, rel = 0;
        for (OutputFidelity f : fid.result()) {
            cos = Math.min(cos, f.cosine());
            rel = Math.max(rel, f.relL2());
        }
        double acc = hasLabels ? accuracy(outs) : Double.NaN;
        return new Damage(acc, cos, rel, hasLabels ? baselineAccuracy - acc : rel);
    }

    private double accuracy(List<Map<String, HostTensor>> outs) {
        AccuracyAccumulator acc = new AccuracyAccumulator();
        for (int b = 0; b < outs.size(); b++) acc.add(scored, outs.get(b).get(scored), labels.get(b), i -> "sample " + i);
        return acc.result().top1();
    }

    /** Can every input take a batch of samples along axis 0? */
    private static boolean batchable(List<TensorSpec> specs, SensitivitySettings settings) {
        if (settings.samples() == 1) return false;
        int n = Math.min(MAX_BATCH, settings.samples());
        Map<String, long[]> resolved = ShapePolicy.of(settings.inputShapes(), n).resolve(specs);
        for (TensorSpec t : specs) {
            long[] d = resolved.get(t.name());
            if (d == null || d.length == 0 || d[0] != n) return false;
        }
        return true;
    }

    public void terminate() { runner.terminate(); }

    @Override
    public void close() {
        prepared.forEach(m -> m.values().forEach(OnnxTensor::close));
        prepared.clear();
        runner.close();
    }
}
