package dev.lopper.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.GroupAnalyzer;
import dev.lopper.runtime.BenchResult;
import dev.lopper.eval.DataEvalResult;
import dev.lopper.eval.DataEvaluation;
import dev.lopper.runtime.DataOptions;
import dev.lopper.runtime.Dataset;
import dev.lopper.runtime.Datasets;
import dev.lopper.runtime.InterleavedBench;
import dev.lopper.runtime.LatencyPoint;
import dev.lopper.runtime.VerifyOptions;
import dev.lopper.onnx.ModelWriter;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.prune.PlanExecution;
import dev.lopper.prune.PlanResult;
import dev.lopper.prune.PruneRequest;
import dev.lopper.prune.PruneResult;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.PruningPlan;
import dev.lopper.runtime.EvalSession;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.LatencyBenchmark;
import dev.lopper.runtime.LatencyListener;
import dev.lopper.runtime.LatencyOptions;
import dev.lopper.runtime.LatencyStats;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.RandomInputs;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Standardizer;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.prune.PruningSettings;
import dev.lopper.prune.latency.NeverSlower;
import dev.lopper.task.Progress;

/** {@link ModelServices} backed by the core packages of this build. */
public final class CoreServices implements ModelServices, dev.lopper.app.sensitivity.SensitivityServices {
    @Override
    public ModelGraph loadGraph(OnnxModel model, Progress progress) throws ModelLoadException {
        progress.update("Standardizing the graph", 0, 1);
        return GraphLoader.load(model, Map.of(), Standardizer.Mode.STANDARDIZED, progress);
    }

    @Override
    public GroupsResult analyze(ModelGraph graph, Progress progress) {
        GroupAnalysis a = GroupAnalyzer.analyze(graph, progress);
        analyzed = new Analyzed(graph, a);
        return new GroupsResult(a.groups(), a, null);
    }

    /** The analysis of the graph last analyzed (the session of that model reuses it). */
    private volatile Analyzed analyzed;

    private record Analyzed(ModelGraph graph, GroupAnalysis analysis) { }

    /** The pruning session of the model last asked for: the same engine `lopper prune` runs. */
    private volatile SessionCache session;

    private record SessionCache(LoadedModel model, String shapes, PruningSession session) { }

    /** The last plan made, to apply it with its scores and request (a missed MACs/params target is corrected). */
    private volatile PlanResult lastPlanned;

    /**
     * How the last plan was made: null for {@link PruningSession#plan}, else the sensitivity/latency-target options of
     * {@link #decide} (re-planning for the never-slower check goes through the same planner, as in the CLI).
     */
    private volatile dev.lopper.prune.latency.TargetDecision.Options lastDecision;

    /** The last verified prune (its outcome as returned, the session's result and the request it ran). */
    private volatile Pruned lastPruned;

    private record Pruned(PruneOutcome outcome, PruneResult result, PruneRequest request, PlanResult planned) { }

    /** The never-slower check's threshold and meter: the CLI's by default; tests inject a meter. */
    private long minMacs = dev.lopper.prune.latency.NeverSlower.MIN_MACS;
    private java.util.function.Function<PruningSession, dev.lopper.prune.latency.NeverSlower.Meter> meters;

    /** For tests: times candidates with {@code meters} (null: ONNX Runtime) and times models of at least {@code minMacs}. */
    void setSpeedCheck(long minMacs, java.util.function.Function<PruningSession, dev.lopper.prune.latency.NeverSlower.Meter> meters) {
        this.minMacs = minMacs;
        this.meters = meters;
    }

    /** The session of an opened model: its graph and group analysis as the app loaded them, built once per model. */
    PruningSession session(LoadedModel m, Progress progress) throws ModelLoadException {
        return session(m, Map.of(), progress);
    }

    /** The session with the sizes of dynamic input dims (as the CLI's --input-shape), built once per model and sizes. */
    PruningSession session(LoadedModel m, Map<String, long[]> shapes, Progress progress) throws ModelLoadException {
        StringBuilder k = new StringBuilder();
        new java.util.TreeMap<>(shapes).forEach((n, d) -> k.append(n).append('=').append(java.util.Arrays.toString(d)).append(';'));
        String key = k.toString();
        SessionCache c = session;
        if (c != null && c.model() == m && c.shapes().equals(key)) return c.session();
        synchronized (this) {
            c = session;
            if (c != null && c.model() == m && c.shapes().equals(key)) return c.session();
            Analyzed a = analyzed;
            GroupAnalysis analysis = a != null && a.graph() == m.graph() ? a.analysis() : GroupAnalyzer.analyze(m.graph(), progress);
            PruningSession s = PruningSession.of(m.path(), m.model(), m.graph(), analysis, shapes, progress);
            session = new SessionCache(m, key, s);
            lastPlanned = null;
            return s;
        }
    }

    @Override
    public PlanOutcome plan(LoadedModel m, List<CoupledGroup> groups, ScoringOptions scoring, PruningSettings settings,
                            Progress progress) throws Exception {
        PruningSession s = session(m, progress);
        progress.update("Planning (" + scoring.criterion().id() + ")", 0, 1);
        PlanResult r = s.plan(PruneRequest.of(scoring, settings), progress);
        lastPlanned = r;
        lastDecision = null;
        return new PlanOutcome(r.plan(), r.scores(), r.before(), r.after(),
                "parameters and MACs counted exactly, as lopper prune counts them");
    }

    @Override
    public PlanOutcome plan(LoadedModel m, List<CoupledGroup> groups, ScoringOptions scoring, PruningSettings settings,
                            Path calibration, boolean compensate, RunInputs inputs, Progress progress) throws Exception {
        PruningSession s = session(m, inputs.shapes().explicitShapes(), progress);
        progress.update("Planning (" + scoring.criterion().id() + ")", 0, 1);
        PlanResult r = s.plan(PruneRequest.of(scoring, settings).withCalibration(calibration).withCompensate(compensate), progress);
        lastPlanned = r;
        lastDecision = null;
        String note = "parameters and MACs counted exactly, as lopper prune counts them";
        if (settings.allocation() == dev.lopper.prune.Allocation.CALIBRATED && s.calibratedTrace() != null) {
            note = s.calibratedTrace().describe() + "; " + note;
        }
        return new PlanOutcome(r.plan(), r.scores(), r.before(), r.after(), note);
    }

    @Override
    public String checkData(LoadedModel m, Path data, RunInputs inputs, Progress progress) {
        progress.update("Reading " + data.getFileName(), 0, 1);
        try (EvalSession s = EvalSession.open(ModelSource.of(m.path()), SessionConfig.DEFAULT);
             Dataset ds = Datasets.open(data, DataOptions.DEFAULT, s.inputs(), inputs.shapes().withBatchSize(1))) {
            if (ds.next(1) == null) throw new dev.lopper.runtime.EvalException(data + ": no samples");
            long n = ds.sampleCount();
            return n >= 0 ? n + (n == 1 ? " sample" : " samples") : "its first sample reads as the model's input";
        }
    }

    @Override
    public LatencyStats measureLatency(LoadedModel m, int runs, RunInputs ints, LatencyListener listener, Progress progress) {
        progress.update("Starting ONNX Runtime", 0, 1);
        try (EvalSession s = EvalSession.open(ModelSource.of(m.path()), SessionConfig.DEFAULT)) {
            Map<String, HostTensor> inputs = RandomInputs.forSession(s, ints.shapes(), ints.ints(), RandomInputs.DEFAULT_SEED);
            return LatencyBenchmark.measure(s, inputs, new LatencyOptions(3, runs), listener, progress);
        }
    }

    @Override
    public PruneOutcome prune(LoadedModel m, GroupsResult groups, PruningPlan plan, RunInputs ints, boolean compensate,
                              Progress progress) throws Exception {
        PruningSession s = session(m, ints.shapes().explicitShapes(), progress);
        VerifyOptions d = VerifyOptions.DEFAULT;
        PlanResult last = lastPlanned;
        PlanResult planned = last != null && last.plan() == plan ? last
                : s.planOf(plan, PruneRequest.of(ScoringOptions.defaults(), plan.settings().pruning()));
        PruneRequest request = planned.request().withCompensate(compensate).withLockFailing(true)
                .withVerify(new VerifyOptions(d.session(), ints.shapes(), ints.ints(), d.seed(), d.timedRuns()));
        PruneResult r = s.prune(planned.withRequest(request), progress);
        PlanExecution.Outcome o = r.outcome();
        int layers = !compensate ? -1 : r.compensation() == null ? 0 : r.compensation().compensated().size();
        PruneOutcome out = new PruneOutcome(r.plan(), o.verified() ? o.model().toByteArray() : null, o.verified(),
                o.verification().problem(), o.failing(), o.verification().maxAbsDiff(), layers);
        if (o.verified()) lastPruned = new Pruned(out, r, request, planned);
        return out;
    }

    @Override
    public BenchResult compareLatency(LoadedModel m, byte[] pruned, int runs, RunInputs ints, LatencyListener listener, Progress progress) {
        progress.update("Starting ONNX Runtime", 0, 1);
        try (EvalSession a = EvalSession.open(ModelSource.of(m.path()), SessionConfig.DEFAULT);
             EvalSession b = EvalSession.open(ModelSource.of(pruned, m.model().baseDir(), "pruned"), SessionConfig.DEFAULT)) {
            Map<String, HostTensor> ia = RandomInputs.forSession(a, ints.shapes(), ints.ints(), RandomInputs.DEFAULT_SEED);
            Map<String, HostTensor> ib = RandomInputs.forSession(b, ints.shapes(), ints.ints(), RandomInputs.DEFAULT_SEED);
            String originalLabel = a.label();
            return InterleavedBench.run(a, ia, b, ib, new LatencyOptions(3, runs), p -> listener.onRun(
                    new LatencyPoint(p.model().equals(originalLabel) ? "original" : "pruned", p.index(), p.warmup(), p.millis())),
                    progress);
        }
    }

    @Override
    public Accuracy accuracy(LoadedModel m, byte[] pruned, RunInputs ints, Progress progress) {
        Path data = datasetOf(m.path());
        if (data == null) return null;
        try (EvalSession a = EvalSession.open(ModelSource.of(m.path()), SessionConfig.DEFAULT);
             EvalSession b = EvalSession.open(ModelSource.of(pruned, m.model().baseDir(), "pruned"), SessionConfig.DEFAULT)) {
            DataEvalResult ra;
            try (Dataset ds = Datasets.open(data, DataOptions.DEFAULT, a.inputs(), ints.shapes().withBatchSize(1))) {
                ra = DataEvaluation.run(a, null, ds, 32, progress);
            }
            DataEvalResult rb;
            try (Dataset ds = Datasets.open(data, DataOptions.DEFAULT, b.inputs(), ints.shapes().withBatchSize(1))) {
                rb = DataEvaluation.run(b, null, ds, 32, progress);
            }
            if (ra.accuracy() == null || rb.accuracy() == null) return null;
            return new Accuracy(data.getFileName().toString(), ra.samples(), ra.accuracy().top1(), rb.accuracy().top1());
        }
    }

    /** A labelled data set next to the model: MODEL.csv, or digits_test.csv for the bundled digits sample. */
    static Path datasetOf(Path model) {
        String name = model.getFileName().toString();
        String stem = name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
        Path dir = model.toAbsolutePath().getParent();
        if (dir == null) return null;
        for (String candidate : List.of(stem + ".csv", stem + "_test.csv",
                stem.endsWith("_cnn") ? stem.substring(0, stem.length() - 4) + "_test.csv" : stem + ".data.csv")) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }

    @Override
    public void export(LoadedModel m, byte[] pruned, Path target, Progress progress) throws Exception {
        ModelProto proto = ModelProto.parseFrom(pruned);
        ModelWriter.write(m.model(), proto, target, ModelWriter.Options.DEFAULT, progress);
    }

    @Override
    public Exported exportChecked(LoadedModel m, PruneOutcome pruned, RunInputs ints, boolean allowSlower, Path target,
                                  Progress progress) throws Exception {
        Pruned last = lastPruned;
        if (last == null || last.outcome() != pruned) {
            throw new IllegalStateException("the pruned model to export is not the one last verified; press Prune before exporting");
        }
        Map<String, long[]> shapes = ints.shapes().explicitShapes();
        PruningSession s = session(m, shapes, progress);
        var decision = lastDecision;
        NeverSlower.Guarded g;
        if (decision != null && decision.targetLatency() != null && last.planned() == lastPlanned) {
            // as `lopper prune --target-latency`: the search already timed what it chose
            g = new NeverSlower.Guarded(last.result(), null, "not timed again: the latency target search measured this plan", true);
        } else {
            NeverSlower.Planner planner = decision == null ? r -> s.plan(r, progress)
                    : r -> dev.lopper.prune.latency.TargetDecision.decide(s, r, decision, shapes, progress).planned();
            long seed = last.request().verify().seed();
            java.util.function.Supplier<NeverSlower.Meter> meter = meters != null ? () -> meters.apply(s)
                    : () -> new NeverSlower.OrtMeter(s, shapes, s.latencyThreads(), seed);
            g = NeverSlower.guard(s, last.result(), last.request(), allowSlower, "not timed (allow slower)", true, planner,
                    minMacs, meter, progress);
        }
        if (g.refused()) {
            throw new IllegalStateException(g.refusal(m.path().getFileName(), s.latencyThreads(), "tick \u201cAllow slower\u201d to export it anyway"));
        }
        progress.update("writing " + target.getFileName(), 0, 1);
        ModelWriter.write(m.model(), g.chosen().outcome().model(), target, ModelWriter.Options.DEFAULT, progress);
        return new Exported(g.chosen().plan(), g.replanned(), g.describe());
    }

    @Override
    public Map<String, Double> profile(LoadedModel m, RunInputs ints, Progress progress) {
        return profile(ModelSource.of(m.path()), ints, progress);
    }

    @Override
    public Map<String, Map<String, Double>> profileBoth(LoadedModel m, byte[] pruned, RunInputs ints, Progress progress) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        out.put("original", profile(ModelSource.of(m.path()), ints, progress));
        out.put("pruned", profile(ModelSource.of(pruned, m.model().baseDir(), "pruned"), ints, progress));
        return out;
    }

    private static Map<String, Double> profile(ModelSource src, RunInputs ints, Progress progress) {
        Map<String, HostTensor> inputs;
        try (EvalSession s = EvalSession.open(src, SessionConfig.DEFAULT)) {
            inputs = RandomInputs.forSession(s, ints.shapes(), ints.ints(), RandomInputs.DEFAULT_SEED);
        }
        dev.lopper.task.CancellationToken token = new dev.lopper.task.CancellationToken();
        dev.lopper.runtime.NodeProfile profile = dev.lopper.runtime.NodeProfiler.profile(src, SessionConfig.DEFAULT, inputs,
                new LatencyOptions(2, 10), token, progress);
        Map<String, Double> ms = new LinkedHashMap<>();
        for (dev.lopper.runtime.NodeTime t : profile.nodes()) ms.merge(t.node(), t.micros() / 1000.0, Double::sum);
        return ms;
    }

    // ---------------------------------------------------------------- sensitivity, targets, fidelity (issue 10)

    @Override
    public dev.lopper.prune.sensitivity.Sensitivity.Measured sensitivity(LoadedModel m, dev.lopper.importance.Criterion criterion,
            int samples, Path data, RunInputs inputs, Progress progress) throws ModelLoadException {
        PruningSession s = session(m, inputs.shapes().explicitShapes(), progress);
        var settings = dev.lopper.prune.latency.TargetDecision.sensitivitySettings(criterion, samples,
                ScoringOptions.defaults().seed(), data, inputs.shapes().explicitShapes());
        return dev.lopper.prune.sensitivity.Sensitivity.measure(s, settings, data, Runtime.getRuntime().availableProcessors(),
                dev.lopper.prune.sensitivity.SensitivityCache.standard(), progress);
    }

    @Override
    public java.util.Optional<dev.lopper.prune.sensitivity.Sensitivity.Measured> cachedSensitivity(LoadedModel m,
            dev.lopper.importance.Criterion criterion, int samples, Path data, RunInputs inputs, Progress progress) throws ModelLoadException {
        PruningSession s = session(m, inputs.shapes().explicitShapes(), progress);
        var settings = dev.lopper.prune.latency.TargetDecision.sensitivitySettings(criterion, samples,
                ScoringOptions.defaults().seed(), data, inputs.shapes().explicitShapes());
        return dev.lopper.prune.sensitivity.Sensitivity.cached(s, settings, dev.lopper.prune.sensitivity.SensitivityCache.standard());
    }

    @Override
    public Decided decide(LoadedModel m, ScoringOptions scoring, PruningSettings settings, Double targetLatency, int threads,
                          int samples, Path data, RunInputs inputs, Progress progress) throws ModelLoadException {
        PruningSession s = session(m, inputs.shapes().explicitShapes(), progress);
        Map<String, long[]> shapes = inputs.shapes().explicitShapes();
        var options = new dev.lopper.prune.latency.TargetDecision.Options(true, targetLatency, threads,
                dev.lopper.prune.latency.TargetDecision.sensitivitySettings(scoring.criterion(), samples, scoring.seed(), data, shapes),
                data, dev.lopper.prune.sensitivity.SensitivityCache.standard());
        var d = dev.lopper.prune.latency.TargetDecision.decide(s, PruneRequest.of(scoring, settings), options, shapes, progress);
        PlanResult r = d.planned();
        var alloc = d.sensitivity();
        Map<String, Double> ratios = alloc == null ? Map.of() : alloc.result().ratios();
        double predicted = alloc == null ? Double.NaN : alloc.result().predictedDamage();
        String metric = alloc == null ? "" : alloc.table().result().metric();
        if (r == null) return new Decided(null, ratios, predicted, metric, d.latency());
        lastPlanned = r;
        lastDecision = options;
        PlanOutcome o = new PlanOutcome(r.plan(), d.scores(), r.before(), r.after(),
                "parameters and MACs counted exactly, as lopper prune counts them");
        return new Decided(o, ratios, predicted, metric, d.latency());
    }

    @Override
    public Decided decideAccuracy(LoadedModel m, ScoringOptions scoring, PruningSettings settings, double minAccuracy, Path accuracyData,
                                  int samples, Path data, RunInputs inputs, Progress progress) throws ModelLoadException {
        PruningSession s = session(m, inputs.shapes().explicitShapes(), progress);
        Map<String, long[]> shapes = inputs.shapes().explicitShapes();
        var options = new dev.lopper.prune.latency.TargetDecision.Options(true, null, 1,
                dev.lopper.prune.latency.TargetDecision.sensitivitySettings(scoring.criterion(), samples, scoring.seed(), data, shapes),
                data, dev.lopper.prune.sensitivity.SensitivityCache.standard());
        var r = dev.lopper.prune.latency.AccuracySearch.search(s, PruneRequest.of(scoring, settings), options,
                new dev.lopper.prune.latency.AccuracySearch.Options(minAccuracy, accuracyData, Long.MAX_VALUE,
                        dev.lopper.prune.latency.AccuracySearch.DEFAULT_STEPS), shapes, progress);
        if (!r.met()) return new Decided(null, Map.of(), Double.NaN, "", null, r);
        PlanResult p = r.planned();
        var alloc = r.decision().sensitivity();
        Map<String, Double> ratios = alloc == null ? Map.of() : alloc.result().ratios();
        double predicted = alloc == null ? Double.NaN : alloc.result().predictedDamage();
        String metric = alloc == null ? "" : alloc.table().result().metric();
        lastPlanned = p;
        PlanOutcome o = new PlanOutcome(p.plan(), r.decision().scores(), p.before(), p.after(),
                "parameters and MACs counted exactly, as lopper prune counts them");
        return new Decided(o, ratios, predicted, metric, null, r);
    }

    @Override
    public Path labelledData(LoadedModel m) { return datasetOf(m.path()); }

    @Override
    public List<dev.lopper.runtime.OutputFidelity> fidelity(LoadedModel m, byte[] pruned, RunInputs ints, Progress progress) {
        progress.update("Measuring output fidelity", 0, 1);
        try (EvalSession a = EvalSession.open(ModelSource.of(m.path()), SessionConfig.DEFAULT);
             EvalSession b = EvalSession.open(ModelSource.of(pruned, m.model().baseDir(), "pruned"), SessionConfig.DEFAULT)) {
            return DataEvaluation.randomFidelity(b, a, ints.shapes(), ints.ints(), RandomInputs.DEFAULT_SEED, FIDELITY_BATCHES, progress)
                    .fidelity();
        }
    }

    /** Seeded random batches of the fidelity measure (as `lopper eval --reference` without data). */
    static final int FIDELITY_BATCHES = 8;
}
