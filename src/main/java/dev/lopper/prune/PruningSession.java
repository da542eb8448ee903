package dev.lopper.prune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.GroupAnalyzer;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.ModelVerifier;
import dev.lopper.runtime.VerifyOptions;
import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Standardizer;
import dev.lopper.importance.ActivationStats;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.Criterion;
import dev.lopper.prune.obspa.ObspaSource;
import dev.lopper.prune.obspa.GraphObspaSource;
import dev.lopper.prune.obspa.Obspa;
import dev.lopper.importance.ImportanceScorer;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.importance.Weights;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.ModelReader;
import dev.lopper.onnx.ModelSha256;
import dev.lopper.onnx.ModelWriteException;
import dev.lopper.onnx.ModelWriter;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.task.Progress;

/**
 * One model being pruned, for the CLI and the app: load once, then score, plan, apply + verify, count and write
 * as often as wanted. Not thread-safe; use it from one background thread.
 * <pre>
 * PruningSession s = PruningSession.open(path, Map.of(), progress);
 * // the whole pipeline, as `lopper prune` and the app run it:
 * PlanResult planned = s.plan(PruneRequest.of(ScoringOptions.defaults(), PruningSettings.ratio(0.3)), progress);
 * PruneResult done = s.prune(planned, progress);          // compensate, rewrite, verify, recount, correct the target
 * if (done.verified()) s.write(done.outcome(), Path.of("out.onnx"), progress);
 * // or step by step:
 * ScoringOptions so = ScoringOptions.defaults().with(Criterion.FPGM);
 * Map&lt;String, ChannelScores&gt; scores = s.score(so, progress);
 * Planner.Result r = s.plan(scores, so, PruningSettings.ratio(0.3), progress);   // r.after(): estimated cost
 * PlanExecution.Outcome o = s.apply(r.plan(), false, VerifyOptions.DEFAULT, progress);
 * if (o.verified()) s.write(o, Path.of("out.onnx"), progress); else o.failing();  // group id → problem
 * PlanFiles.save(r.plan(), Path.of("plan.json"));
 * PruningPlan p = s.readPlan(Path.of("plan.json"));   // checked against this model (sha256, groups, indices)
 * </pre>
 */
public final class PruningSession implements AutoCloseable {
    private final Path path;
    private final OnnxModel model;
    private final ModelGraph graph;
    private final GroupAnalysis analysis;
    private final String sha256;
    private final ModelCost before;
    private final Map<String, long[]> inputShapes;
    private WeightCompensation compensation;

    private PruningSession(Path path, OnnxModel model, ModelGraph graph, GroupAnalysis analysis, String sha256,
                           Map<String, long[]> inputShapes) {
        this.path = path;
        this.model = model;
        this.graph = graph;
        this.analysis = analysis;
        this.sha256 = sha256;
        this.inputShapes = Map.copyOf(inputShapes);
        this.before = new ModelCost(analysis.summary().totalParams(), analysis.summary().totalMacs());
    }

    /**
     * A session over a model already read, standardized (with {@code inputShapes}) and analyzed, e.g. the app's
     * opened model; hashes the file.
     */
    public static PruningSession of(Path path, OnnxModel model, ModelGraph graph, GroupAnalysis analysis,
                                    Map<String, long[]> inputShapes, Progress progress) throws ModelLoadException {
        return new PruningSession(path, model, graph, analysis, ModelSha256.of(path, progress), inputShapes);
    }

    /** Reads, standardizes and analyzes a model and hashes its file. */
    public static PruningSession open(Path path, Map<String, long[]> inputShapes, Progress progress) throws ModelLoadException {
        return open(path, inputShapes, progress, null);
    }

    /**
     * {@link #open(Path, Map, Progress)}; with {@code verify} non-null (a command that will apply and verify with
     * these options, e.g. {@code lopper prune -o}), ONNX Runtime starts loading and running the original on another
     * thread as soon as the file has passed Lopper's checks, while this thread hashes, analyzes, scores and plans:
     * {@link #prune}/{@link #apply} with the same {@code VerifyOptions} object use it. {@link #close()} releases it.
     */
    public static PruningSession open(Path path, Map<String, long[]> inputShapes, Progress progress, VerifyOptions verify)
            throws ModelLoadException {
        progress.update("reading " + path.getFileName(), 0, 1);
        OnnxModel model = ModelReader.read(path);
        java.util.List<String> problems = dev.lopper.onnx.ModelLint.check(model.proto());
        if (!problems.isEmpty()) {
            throw new ModelLoadException(path, problems.get(0) + (problems.size() > 1 ? " (and " + (problems.size() - 1)
                    + " more problems)" : "") + "; Lopper does not prune a model that fails validation (see lopper inspect)");
        }
        ModelVerifier.Prefetch reference = verify == null ? null : ModelVerifier.prefetch(model, EvalModelCheck.noTiming(verify));
        try {
            String sha = ModelSha256.of(path, progress);
            ModelGraph graph = GraphLoader.load(model, inputShapes, Standardizer.Mode.STANDARDIZED, progress);
            GroupAnalysis analysis = GroupAnalyzer.analyze(graph, progress);
            PruningSession s = new PruningSession(path, model, graph, analysis, sha, inputShapes);
            s.reference = reference;
            s.referenceFor = verify;
            return s;
        } catch (RuntimeException | Error | ModelLoadException e) {
            if (reference != null) reference.close();
            throw e;
        }
    }

    /** The original's verification side prepared by {@link #open(Path, Map, Progress, VerifyOptions)}, or null. */
    private ModelVerifier.Prefetch reference;
    private VerifyOptions referenceFor;

    /** Releases what {@link #open(Path, Map, Progress, VerifyOptions)} prepared (an ONNX Runtime session). */
    @Override
    public void close() {
        if (reference != null) reference.close();
        reference = null;
    }

    public Path path() { return path; }

    public OnnxModel model() { return model; }

    public ModelGraph graph() { return graph; }

    public GroupAnalysis analysis() { return analysis; }

    public List<CoupledGroup> groups() { return analysis.groups(); }

    public String sha256() { return sha256; }

    /** Parameters and MACs of the original (the analysis' counts). */
    public ModelCost before() { return before; }

    /** Scores of every prunable group (weights decoded once, released afterwards). */
    public Map<String, ChannelScores> score(ScoringOptions options, Progress progress) {
        Weights w = Weights.of(graph);
        try {
            return ImportanceScorer.score(groups(), w, graph, options, progress);
        } finally {
            w.clear();
        }
    }

    /**
     * Counts any set of kept channels without rewriting the model, exactly, from the group analysis (fast enough
     * for interactive previews and the planner's bisection).
     */
    public CostCounter costModel() {
        return new AnalysisCostCounter(analysis);
    }

    public Planner.Result plan(Map<String, ChannelScores> scores, ScoringOptions scoring, PruningSettings settings, Progress progress) {
        CountChooser chooser = settings.roundTo() == PruningSettings.ROUND_TO_AUTO ? channelCounts() : null;
        try {
            return Planner.plan(groups(), scores, scoring, settings, costModel(), before, sha256,
                    path.getFileName().toString(), chooser, progress);
        } finally {
            if (chooser instanceof dev.lopper.prune.latency.HardwareCounts h) h.table().save();
        }
    }

    private int latencyThreads = 1;
    private CountChooser channelCounts;

    /**
     * ONNX Runtime intra-op threads the latency table of {@code round-to auto} is measured with (default 1); a change
     * drops the table in use.
     */
    public synchronized void setLatencyThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (threads != latencyThreads) channelCounts = null;
        latencyThreads = threads;
    }

    public int latencyThreads() { return latencyThreads; }

    /** Replaces how round-to auto picks counts (tests inject a deterministic timer through this). */
    public synchronized void setChannelCounts(CountChooser c) { channelCounts = c; }

    /**
     * How round-to auto picks kept counts: {@link dev.lopper.prune.latency.HardwareCounts} over this machine's cached
     * latency table ({@link dev.lopper.prune.latency.LatencyTable#standard(int)}), made on first use.
     */
    public synchronized CountChooser channelCounts() {
        if (channelCounts == null) {
            channelCounts = new dev.lopper.prune.latency.HardwareCounts(graph,
                    dev.lopper.prune.latency.LatencyTable.standard(latencyThreads));
        }
        return channelCounts;
    }

    // ---- the prune pipeline: one for the CLI and the app ----

    /** OBSPA moment sources already built, by calibration file (or none) and damping. */
    private final Map<String, GraphObspaSource> obspaSources = new java.util.concurrent.ConcurrentHashMap<>();

    /** OBSPA moments for a request: from its calibration data, else data-free; built once per (data, damping). */
    public GraphObspaSource obspaSource(PruneRequest r, Progress progress) {
        String key = r.calibration() + "\u0000" + r.calibrationSamples() + "\u0000" + r.damping() + "\u0000" + r.moments()
                + "\u0000" + r.sequential();
        GraphObspaSource s = obspaSources.get(key);
        if (s != null) return s;
        synchronized (obspaSources) {
            s = obspaSources.get(key);
            if (s == null) {
                s = Obspa.source(this, r.calibrationData(inputShapes), r.damping(), r.moments(), progress).sequential(r.sequential());
                obspaSources.put(key, s);
            }
            return s;
        }
    }

    /**
     * The scoring options a request scores with: OBSPA gets its input moments, an activation criterion its
     * statistics captured on the request's calibration data.
     *
     * @throws PlanException when an activation criterion has no calibration data
     */
    public ScoringOptions scoringFor(PruneRequest r, Progress progress) {
        ScoringOptions so = r.scoring();
        if (so.criterion() == Criterion.OBSPA && !(so.stats() instanceof ObspaSource)) {
            return withStats(so, obspaSource(r, progress));
        }
        if (so.criterion().create().needsActivations() && so.stats() == ActivationStats.NONE) {
            if (r.calibration() == null) {
                throw new PlanException("criterion " + so.criterion().id() + " needs calibration data to measure activations on");
            }
            return withStats(so, captureActivations(r.calibrationData(inputShapes), PruneRequest.CALIBRATION_BATCH, progress));
        }
        return so;
    }

    private static ScoringOptions withStats(ScoringOptions so, ActivationStats stats) {
        return new ScoringOptions(so.criterion(), so.reduction(), so.normalization(), so.seed(), stats, so.includeLocked());
    }

    /**
     * Scores and plans: a ratio goes straight to the allocator, a MACs or params target is met by bisection on the
     * ratio with the exact count of {@link #costModel()} at every step.
     */
    public PlanResult plan(PruneRequest r, Progress progress) {
        ScoringOptions so = scoringFor(r, progress);
        progress.checkCancelled();
        Map<String, ChannelScores> scores = score(so, progress);
        progress.checkCancelled();
        Planner.Result p = r.settings().allocation() == Allocation.CALIBRATED ? calibratedPlan(r, scores, so, progress)
                : r.steps() == 1 ? plan(scores, so, r.settings(), progress)
                : ProgressivePruner.plan(this, scores, so, r.settings(), r.steps(), r.calibration() != null
                        ? ProgressivePruner.Probe.calibration(r.calibrationData(inputShapes))
                        : ProgressivePruner.Probe.random(inputShapes, r.scoring().seed()), progress);
        return new PlanResult(r, so, scores, p.plan(), before, p.after());
    }

    /**
     * {@link Allocation#CALIBRATED}: per-group counts by measured damage on the request's calibration data, each
     * candidate compensated as {@link #prune} will compensate the final plan.
     */
    private Planner.Result calibratedPlan(PruneRequest r, Map<String, ChannelScores> scores, ScoringOptions so, Progress progress) {
        if (r.calibration() == null) throw new PlanException("--allocation calibrated needs calibration data (--calibration)");
        if (r.steps() != 1) throw new PlanException("--allocation calibrated does not combine with --steps");
        ProgressivePruner.Measure m = ProgressivePruner.Measure.holdout(this, r.calibrationData(inputShapes), progress);
        PruneRequest fit = r.withCalibrationSamples(m.fitted());
        WeightCompensation step = r.compensate() ? Obspa.compensation(this, obspaSource(fit, progress)) : null;
        CalibratedAllocator.Result res = CalibratedAllocator.plan(this, scores, so, r.settings(), m, kept -> rewrite(kept, step), progress);
        calibratedTrace = res.trace();
        return res.planned();
    }

    private volatile CalibratedAllocator.Trace calibratedTrace;

    /** How the latest {@link Allocation#CALIBRATED} plan of this session was searched, or null. */
    public CalibratedAllocator.Trace calibratedTrace() { return calibratedTrace; }

    /** A saved plan (checked with {@link #readPlan}) to apply under a request; it is applied as it is, never re-planned. */
    public PlanResult planOf(PruningPlan saved, PruneRequest r) {
        return new PlanResult(r, r.scoring(), null, saved, before, costModel().count(saved.groups()));
    }

    /**
     * Compensates (when asked), rewrites and verifies in ONNX Runtime, leaving failing groups whole when asked, then
     * recounts the verified model from scratch. When the recount keeps more than a MACs or params target (ops the
     * analysis cannot shrink), the target given to the planner is tightened and the plan re-made and re-applied, at
     * most 3 times. Safe to call while another thread plans with this session.
     */
    public PruneResult prune(PlanResult planned, Progress progress) {
        PruneRequest r = planned.request();
        Obspa.Step step = r.compensate() ? Obspa.compensation(this, obspaSource(r, progress)) : null;
        PlanExecution.Outcome outcome = apply(planned.plan(), step, r, progress);
        if (!outcome.verified()) return new PruneResult(outcome.plan(), outcome, planned.after(), step == null ? null : step.last());
        ModelCost after = recount(outcome.model(), progress);
        ModelCost estimate = planned.after();
        PruneTarget target = r.settings().target();
        for (int round = 0; round < 3 && planned.scores() != null && target.kind() != PruneTarget.Kind.RATIO; round++) {
            double got = Planner.fraction(after, before, target.kind());
            if (got <= target.value() + 1e-3) break;
            double corrected = target.value() * Planner.fraction(estimate, before, target.kind()) / got;
            if (!(corrected > 0)) break;
            Planner.Result p = plan(planned.scores(), planned.scoring(),
                    r.settings().withTarget(new PruneTarget(target.kind(), Math.min(1, corrected))), progress);
            PlanExecution.Outcome o2 = apply(p.plan(), step, r, progress);
            if (!o2.verified()) break;
            estimate = p.after();
            outcome = o2;
            after = recount(o2.model(), progress);
        }
        return new PruneResult(outcome.plan(), outcome, after, step == null ? null : step.last());
    }

    /** {@link #plan} then {@link #prune}. */
    public PruneResult run(PruneRequest r, Progress progress) {
        return prune(plan(r, progress), progress);
    }

    private PlanExecution.Outcome apply(PruningPlan plan, WeightCompensation step, PruneRequest r, Progress progress) {
        ModelCheck check = reference != null && r.verify() == referenceFor ? new EvalModelCheck(reference, model.baseDir(), kvCache())
                : new EvalModelCheck(ModelSource.of(path), model.baseDir(), r.verify(), kvCache());
        return PlanExecution.run(plan, kept -> rewrite(kept, step), check, r.lockFailing(), progress);
    }

    /** A decoder's KV-cache inputs and outputs ({@link dev.lopper.graph.KvCache}): their head dims may shrink. */
    public java.util.Set<String> kvCache() {
        java.util.Set<String> s = new java.util.LinkedHashSet<>();
        dev.lopper.graph.KvCache.pairs(graph).forEach((in, out) -> { s.add(in); s.add(out); });
        return s;
    }

    /**
     * KV-cache inputs and outputs whose shape the plan changes, each as "[batch,1,past_sequence,4]" (sizes it keeps or
     * the model's dim names): callers must feed caches of the new shape. Empty when the plan leaves every cache whole.
     */
    public java.util.Map<String, String> resizedCaches(PruningPlan plan) {
        java.util.Map<String, Integer> kept = new java.util.HashMap<>();
        plan.groups().forEach((id, g) -> kept.put(id, g.kept().length));
        java.util.Map<String, String> r = new java.util.LinkedHashMap<>();
        for (String t : kvCache()) {
            dev.lopper.analysis.Dim[] d = analysis.tensorDims().get(graph.resolve(t));
            dev.lopper.graph.Shape sh = graph.shape(t);
            if (d == null || !sh.hasRank() || sh.rank() != d.length) continue;
            StringBuilder b = new StringBuilder("[");
            boolean changed = false;
            for (int i = 0; i < d.length; i++) {
                long v = analysis.newSize(d[i], kept);
                if (i > 0) b.append(',');
                if (sh.dim(i) >= 0 && v >= 0) {
                    changed |= v != sh.dim(i);
                    b.append(v);
                } else {
                    b.append(sh.symbol(i) != null ? sh.symbol(i) : "?");
                }
            }
            if (changed) r.put(t, b.append(']').toString());
        }
        return r;
    }

    /** A plan file checked against this model. */
    public PruningPlan readPlan(Path planFile) {
        PruningPlan p = PlanFiles.read(planFile);
        PlanFiles.check(p, planFile.toString(), path, sha256, groups());
        return p;
    }

    /** A compensation step run before channels are sliced away (e.g. OBSPA's), or null for none. */
    public void setCompensation(WeightCompensation c) { this.compensation = c; }

    public WeightCompensation compensation() { return compensation; }

    /** The rewritten model for some kept channels (no verification), compensated first when a step is set. */
    public ModelProto rewrite(Map<String, GroupPlan> kept) throws ModelLoadException {
        return rewrite(kept, compensation);
    }

    private ModelProto rewrite(Map<String, GroupPlan> kept, WeightCompensation compensation) throws ModelLoadException {
        Map<String, int[]> k = new LinkedHashMap<>();
        kept.forEach((id, g) -> k.put(id, g.kept()));
        OnnxModel base = model;
        if (compensation != null) {
            ModelProto c = compensation.apply(model.proto(), k);
            if (c != model.proto()) base = OnnxModel.of(path, c);
        }
        return PlanApplier.apply(base, analysis, k);
    }

    /**
     * Activation statistics of every prunable group's activations (for mean-activation, APoZ, Wanda), from a
     * calibration data set streamed through ONNX Runtime; {@code data == null} uses {@code batches} seeded random
     * batches instead (a smoke-test stand-in, not representative data).
     */
    public CapturedActivations captureActivations(dev.lopper.runtime.Dataset data, int batchSize, int batches, VerifyOptions verify,
                                                  long seed, Progress progress) {
        List<dev.lopper.runtime.CaptureRequest> req = CapturedActivations.requests(graph, groups());
        if (req.isEmpty()) return new CapturedActivations(Map.of());
        try (dev.lopper.runtime.ActivationCapture cap = dev.lopper.runtime.ActivationCapture.open(ModelSource.of(path), req, verify.session())) {
            if (data != null) {
                cap.accumulate(data, batchSize, progress);
            } else {
                for (int b = 0; b < batches; b++) {
                    progress.checkCancelled();
                    progress.update("capturing activations", b, batches);
                    cap.accumulate(dev.lopper.runtime.RandomInputs.forSession(cap.session(), verify.shapes(), verify.ints(), seed + b));
                }
            }
            return new CapturedActivations(cap.statistics());
        }
    }

    /**
     * Activation statistics of every prunable group's activations from a calibration file (.csv, .npy, .npz or image
     * folder, read as {@code lopper eval --data} reads it), streamed through ONNX Runtime in batches of
     * {@code batchSize}; {@code inputShapes} sizes dynamic input dims.
     *
     * @throws dev.lopper.runtime.EvalException when the file cannot be read, does not fit the model's inputs or is empty
     */
    public CapturedActivations captureActivations(Path data, Map<String, long[]> inputShapes, int batchSize, Progress progress) {
        return captureActivations(dev.lopper.runtime.CalibrationData.of(data, inputShapes), batchSize, progress);
    }

    /**
     * Activation statistics from calibration data, at most {@code data.maxSamples()} samples streamed through ONNX
     * Runtime in batches of {@code batchSize} (of the model's fixed batch when its inputs have one, the last batch
     * padded and the padding excluded: see {@link dev.lopper.runtime.BatchFeed}); {@link CapturedActivations#feed()}
     * says how the data was fed.
     *
     * @throws dev.lopper.runtime.EvalException when the data cannot be read, does not fit the model's inputs or is empty
     */
    public CapturedActivations captureActivations(dev.lopper.runtime.CalibrationData data, int batchSize, Progress progress) {
        List<dev.lopper.runtime.CaptureRequest> req = CapturedActivations.requests(graph, groups());
        if (req.isEmpty()) return new CapturedActivations(Map.of());
        try (dev.lopper.runtime.ActivationCapture cap = dev.lopper.runtime.ActivationCapture.open(ModelSource.of(path), req,
                dev.lopper.runtime.SessionConfig.DEFAULT.withBatchSize(batchSize));
             dev.lopper.runtime.Dataset ds = data.open(cap.inputs(), batchSize)) {
            dev.lopper.runtime.BatchFeed.Summary fed = cap.accumulate(ds, batchSize, data.maxSamples(), progress);
            if (fed.samples() == 0) throw new dev.lopper.runtime.EvalException(data.data() + ": no samples to calibrate on");
            return new CapturedActivations(cap.statistics(), fed);
        }
    }

    /** Applies and verifies in ONNX Runtime; with {@code lockFailing} failing groups are left whole. */
    public PlanExecution.Outcome apply(PruningPlan plan, boolean lockFailing, VerifyOptions verify, Progress progress) {
        ModelCheck check = new EvalModelCheck(ModelSource.of(path), model.baseDir(), verify, kvCache());
        return PlanExecution.run(plan, this::rewrite, check, lockFailing, progress);
    }

    /** Writes a verified model atomically (ModelWriter refuses to overwrite the input). */
    public ModelWriter.Result write(PlanExecution.Outcome outcome, Path out, Progress progress) throws ModelWriteException {
        if (!outcome.verified()) throw new IllegalStateException("the pruned model was not verified");
        return ModelWriter.write(model, outcome.model(), out, ModelWriter.Options.DEFAULT, progress);
    }

    /** Stages a verified model as an output of {@code out}; in place only after {@code out.commit()}. */
    public ModelWriter.Result stage(PlanExecution.Outcome outcome, Path target, dev.lopper.onnx.OutputFiles out, Progress progress)
            throws ModelWriteException {
        if (!outcome.verified()) throw new IllegalStateException("the pruned model was not verified");
        return ModelWriter.stage(model, outcome.model(), target, ModelWriter.Options.DEFAULT, progress, out);
    }

    /** An independent count of a written model: read back, standardized and analyzed from scratch. */
    public ModelCost recount(Path written, Progress progress) throws ModelLoadException {
        return count(ModelReader.read(written), progress);
    }

    /** An independent count of a rewritten model in memory (standardized and analyzed from scratch). */
    public ModelCost recount(ModelProto rewritten, Progress progress) {
        return count(OnnxModel.of(path, rewritten), progress);
    }

    private ModelCost count(OnnxModel m, Progress progress) {
        GroupAnalysis a = GroupAnalyzer.analyze(GraphLoader.load(m, shapesFor(m), Standardizer.Mode.STANDARDIZED, progress), progress);
        return new ModelCost(a.summary().totalParams(), a.summary().totalMacs());
    }

    /**
     * The caller's input shapes for a rewritten model: a KV-cache input the plan resized takes its new fixed sizes
     * (the caller's dynamic sizes, e.g. the past length, stay).
     */
    private Map<String, long[]> shapesFor(OnnxModel m) {
        java.util.Set<String> caches = kvCache();
        if (caches.isEmpty() || inputShapes.isEmpty()) return inputShapes;
        Map<String, long[]> r = new java.util.LinkedHashMap<>(inputShapes);
        for (var in : m.proto().getGraph().getInputList()) {
            long[] given = r.get(in.getName());
            if (given == null || !caches.contains(in.getName())) continue;
            var sh = in.getType().getTensorType().getShape();
            if (sh.getDimCount() != given.length) continue;
            long[] d = given.clone();
            for (int i = 0; i < d.length; i++) if (sh.getDim(i).hasDimValue()) d[i] = sh.getDim(i).getDimValue();
            r.put(in.getName(), d);
        }
        return r;
    }

    /** True when two paths name the same file (or would, for one not yet existing). */
    public static boolean sameFile(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
