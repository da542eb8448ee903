package dev.lopper.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.GroupAnalyzer;
import dev.lopper.eval.BenchResult;
import dev.lopper.eval.DataEvalResult;
import dev.lopper.eval.DataEvaluation;
import dev.lopper.eval.DataOptions;
import dev.lopper.eval.DataTarget;
import dev.lopper.eval.Dataset;
import dev.lopper.eval.Datasets;
import dev.lopper.eval.InterleavedBench;
import dev.lopper.eval.LatencyPoint;
import dev.lopper.eval.VerifyOptions;
import dev.lopper.onnx.ModelWriter;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.prune.EvalModelCheck;
import dev.lopper.prune.PlanApplier;
import dev.lopper.prune.PlanExecution;
import dev.lopper.prune.PruningPlan;
import dev.lopper.eval.EvalSession;
import dev.lopper.eval.HostTensor;
import dev.lopper.eval.LatencyBenchmark;
import dev.lopper.eval.LatencyListener;
import dev.lopper.eval.LatencyOptions;
import dev.lopper.eval.LatencyStats;
import dev.lopper.eval.ModelSource;
import dev.lopper.eval.RandomInputs;
import dev.lopper.eval.SessionConfig;
import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Standardizer;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.ImportanceScorer;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.ModelSha256;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.prune.ModelCost;
import dev.lopper.prune.Planner;
import dev.lopper.prune.PruningSettings;
import dev.lopper.prune.SliceCostModel;
import dev.lopper.task.Progress;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.obspa.ObsLayer;
import dev.lopper.importance.obspa.ObspaSource;
import dev.lopper.prune.obspa.Compensation;
import dev.lopper.prune.obspa.GraphObspaSource;
import dev.lopper.prune.obspa.Obspa;
import java.util.concurrent.atomic.AtomicReference;

/** {@link ModelServices} backed by the core packages of this build. */
public final class CoreServices implements ModelServices {
    private final Map<Path, String> sha256 = new ConcurrentHashMap<>();

    @Override
    public ModelGraph loadGraph(OnnxModel model, Progress progress) throws ModelLoadException {
        progress.update("Standardizing the graph", 0, 1);
        return GraphLoader.load(model, Map.of(), Standardizer.Mode.STANDARDIZED, progress);
    }

    @Override
    public GroupsResult analyze(ModelGraph graph, Progress progress) {
        GroupAnalysis a = GroupAnalyzer.analyze(graph, progress);
        return new GroupsResult(a.groups(), a, null);
    }

    /** The data-free OBSPA source of the model last asked for (moments are propagated once per opened model). */
    private volatile ObspaCache obspa;

    private record ObspaCache(LoadedModel model, GraphObspaSource source) { }

    /** Data-free OBSPA moments for a model (the CLI's without calibration data), built once per opened model. */
    GraphObspaSource obspaSource(LoadedModel m, Progress progress) {
        ObspaCache c = obspa;
        if (c != null && c.model() == m) return c.source();
        synchronized (this) {
            c = obspa;
            if (c != null && c.model() == m) return c.source();
            GraphObspaSource src = Obspa.dataFreeSource(m.graph(), ObsLayer.DEFAULT_DAMPING, progress);
            obspa = new ObspaCache(m, src);
            return src;
        }
    }

    @Override
    public PlanOutcome plan(LoadedModel m, List<CoupledGroup> groups, ScoringOptions scoring, PruningSettings settings,
                            Progress progress) throws Exception {
        if (scoring.criterion() == Criterion.OBSPA && !(scoring.stats() instanceof ObspaSource)) {
            scoring = new ScoringOptions(scoring.criterion(), scoring.reduction(), scoring.normalization(), scoring.seed(),
                    obspaSource(m, progress), scoring.includeLocked());
        }
        progress.update("Scoring channels (" + scoring.criterion().id() + ")", 0, 3);
        Map<String, ChannelScores> scores = ImportanceScorer.score(groups, m.graph(), scoring, progress);
        progress.checkCancelled();
        ModelGraph g = m.graph();
        java.util.function.Function<String, long[]> dims = t -> {
            TensorProto p = g.constant(t);
            return p == null ? new long[0] : p.getDimsList().stream().mapToLong(Long::longValue).toArray();
        };
        long params = 0;
        for (TensorProto t : m.model().proto().getGraph().getInitializerList()) {
            long n = 1;
            for (long d : t.getDimsList()) n *= d;
            params += n;
        }
        // MACs: estimated from the sliced weights until per-node metrics exist (a lower bound of the model's MACs)
        long macs = Math.round(new SliceCostModel(groups, dims, new ModelCost(params, 0), null).estimatedSlicedMacs());
        ModelCost before = new ModelCost(params, macs);
        SliceCostModel cost = new SliceCostModel(groups, dims, before, null);
        String sha = sha256.computeIfAbsent(m.path(), p -> {
            try {
                return ModelSha256.of(p, progress);
            } catch (ModelLoadException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
        progress.update("Planning", 2, 3);
        Planner.Result r = Planner.plan(groups, scores, scoring, settings, cost, before, sha,
                m.path().getFileName().toString(), progress);
        return new PlanOutcome(r.plan(), scores, r.before(), r.after(),
                "parameters counted exactly; MACs estimated from the pruned layers");
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
                              Progress progress) {
        if (groups.analysis() == null) throw new IllegalStateException("no group analysis to apply the plan with");
        GraphObspaSource source = compensate ? obspaSource(m, progress) : null;
        AtomicReference<Compensation.Result> compensation = new AtomicReference<>();
        // as PruningSession.rewrite: the compensation step runs on the original, then the channels are sliced away
        PlanExecution.Rewriter rewriter = kept -> {
            Map<String, int[]> k = new LinkedHashMap<>();
            kept.forEach((id, gp) -> k.put(id, gp.kept()));
            OnnxModel base = m.model();
            if (source != null) {
                Compensation.Result r = Compensation.apply(base.proto(), groups.analysis(), source, k);
                compensation.set(r);
                if (r.model() != base.proto()) base = OnnxModel.of(m.path(), r.model());
            }
            return PlanApplier.apply(base, groups.analysis(), k);
        };
        VerifyOptions d = VerifyOptions.DEFAULT;
        EvalModelCheck check = new EvalModelCheck(ModelSource.of(m.path()), m.model().baseDir(),
                new VerifyOptions(d.session(), ints.shapes(), ints.ints(), d.seed(), d.timedRuns()));
        PlanExecution.Outcome o = PlanExecution.run(plan, rewriter, check, true, progress);
        Compensation.Result c = compensation.get();
        int layers = !compensate ? -1 : c == null ? 0 : c.compensated().size();
        return new PruneOutcome(o.plan(), o.verified() ? o.model().toByteArray() : null, o.verified(),
                o.verification().problem(), o.failing(), o.verification().maxAbsDiff(), layers);
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
            try (Dataset ds = Datasets.open(data, DataOptions.DEFAULT, DataTarget.of(a.inputs(), ints.shapes().withBatchSize(1)))) {
                ra = DataEvaluation.run(a, null, ds, 32, progress);
            }
            DataEvalResult rb;
            try (Dataset ds = Datasets.open(data, DataOptions.DEFAULT, DataTarget.of(b.inputs(), ints.shapes().withBatchSize(1)))) {
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
    public Map<String, Double> profile(LoadedModel m, RunInputs ints, Progress progress) {
        ModelSource src = ModelSource.of(m.path());
        Map<String, HostTensor> inputs;
        try (EvalSession s = EvalSession.open(src, SessionConfig.DEFAULT)) {
            inputs = RandomInputs.forSession(s, ints.shapes(), ints.ints(), RandomInputs.DEFAULT_SEED);
        }
        dev.lopper.task.CancellationToken token = new dev.lopper.task.CancellationToken();
        dev.lopper.eval.NodeProfile profile = dev.lopper.eval.NodeProfiler.profile(src, SessionConfig.DEFAULT, inputs,
                new LatencyOptions(2, 10), token, progress);
        Map<String, Double> ms = new LinkedHashMap<>();
        for (dev.lopper.eval.NodeTime t : profile.nodes()) ms.merge(t.node(), t.micros() / 1000.0, Double::sum);
        return ms;
    }
}
