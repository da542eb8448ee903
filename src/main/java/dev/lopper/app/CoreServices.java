package dev.lopper.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.eval.EvalSession;
import dev.lopper.eval.HostTensor;
import dev.lopper.eval.IntRange;
import dev.lopper.eval.LatencyBenchmark;
import dev.lopper.eval.LatencyListener;
import dev.lopper.eval.LatencyOptions;
import dev.lopper.eval.LatencyStats;
import dev.lopper.eval.ModelSource;
import dev.lopper.eval.RandomInputs;
import dev.lopper.eval.SessionConfig;
import dev.lopper.eval.ShapePolicy;
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
        return new GroupsResult(List.of(), "coupled-group analysis is not part of this build yet");
    }

    @Override
    public PlanOutcome plan(LoadedModel m, List<CoupledGroup> groups, ScoringOptions scoring, PruningSettings settings,
                            Progress progress) throws Exception {
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
    public LatencyStats measureLatency(LoadedModel m, int runs, LatencyListener listener, Progress progress) {
        progress.update("Starting ONNX Runtime", 0, 1);
        try (EvalSession s = EvalSession.open(ModelSource.of(m.path()), SessionConfig.DEFAULT)) {
            Map<String, HostTensor> inputs = RandomInputs.create(s.inputs(), ShapePolicy.DEFAULT, IntRange.DEFAULT,
                    RandomInputs.DEFAULT_SEED);
            return LatencyBenchmark.measure(s, inputs, new LatencyOptions(3, runs), listener, progress);
        }
    }
}
