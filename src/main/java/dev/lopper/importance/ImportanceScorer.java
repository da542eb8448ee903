package dev.lopper.importance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.graph.ModelGraph;
import dev.lopper.task.Progress;

/**
 * Scores groups with a criterion, then normalizes each group's scores. Locked groups are skipped unless
 * {@link ScoringOptions#includeLocked()}.
 */
public final class ImportanceScorer {
    private ImportanceScorer() {}

    /**
     * @param criterion     the criterion (default {@link Criterion#L1})
     * @param reduction     across slices (default {@link Reduction#MEAN})
     * @param normalization per group; null = the criterion's default (MEAN, or NONE for LAMP)
     * @param seed          seed of random choices (default 0)
     * @param stats         calibration statistics, or {@link ActivationStats#NONE}
     * @param includeLocked also score locked groups (for display)
     */
    public record ScoringOptions(Criterion criterion, Reduction reduction, Normalization normalization, long seed,
                                 ActivationStats stats, boolean includeLocked) {
        public ScoringOptions {
            if (criterion == null) criterion = Criterion.L1;
            if (reduction == null) reduction = Reduction.MEAN;
            if (stats == null) stats = ActivationStats.NONE;
        }

        public static ScoringOptions defaults() {
            return new ScoringOptions(Criterion.L1, Reduction.MEAN, null, 0, ActivationStats.NONE, false);
        }

        public ScoringOptions with(Criterion c) { return new ScoringOptions(c, reduction, normalization, seed, stats, includeLocked); }

        /** The normalization actually applied. */
        public Normalization effectiveNormalization() {
            return normalization != null ? normalization : criterion.create().defaultNormalization();
        }
    }

    /** Scores by group id, in group order. */
    public static Map<String, ChannelScores> score(List<CoupledGroup> groups, ModelGraph graph, ScoringOptions options,
                                                   Progress progress) {
        return score(groups, Weights.of(graph), graph, options, progress);
    }

    public static Map<String, ChannelScores> score(List<CoupledGroup> groups, Weights weights, ScoringOptions options,
                                                   Progress progress) {
        return score(groups, weights, null, options, progress);
    }

    /** @param graph may be null; calibration criteria use it to find the activation each consumer weight reads */
    public static Map<String, ChannelScores> score(List<CoupledGroup> groups, Weights weights, ModelGraph graph,
                                                   ScoringOptions options, Progress progress) {
        return score(groups, weights, graph, options, progress, Runtime.getRuntime().availableProcessors());
    }

    /** As above, groups scored on up to {@code cores} threads when the criterion allows ({@link ImportanceCriterion#concurrentGroups()}). */
    static Map<String, ChannelScores> score(List<CoupledGroup> groups, Weights weights, ModelGraph graph,
                                            ScoringOptions options, Progress progress, int cores) {
        ImportanceCriterion criterion = options.criterion().create();
        if (criterion.needsActivations() && options.stats() == ActivationStats.NONE) {
            throw new IllegalArgumentException("criterion '" + criterion.id() + "' needs calibration data (activation statistics)");
        }
        Normalization norm = options.normalization() != null ? options.normalization() : criterion.defaultNormalization();
        java.util.function.Function<String, List<String>> inputs = graph == null ? null
                : n -> graph.node(n) == null ? List.of() : graph.node(n).inputs();
        ScoringContext ctx = new ScoringContext(weights, options.stats(), options.reduction(), options.seed(), inputs);
        Map<String, ChannelScores> out = new LinkedHashMap<>();
        int threads = criterion.concurrentGroups() ? Math.min(groups.size(), cores) : 1;
        List<Future<ChannelScores>> pending = threads > 1 ? submitAll(groups, criterion, ctx, options, threads) : null;
        try {
            for (int i = 0; i < groups.size(); i++) {
                CoupledGroup g = groups.get(i);
                progress.checkCancelled();
                progress.update("scoring channels", i, groups.size());
                if (!g.isPrunable() && !options.includeLocked()) continue;
                ChannelScores raw = pending == null ? criterion.score(g, ctx) : await(pending.get(i));
                String basis = norm == Normalization.NONE ? raw.basis() : raw.basis() + ", normalized by " + norm.id();
                out.put(g.id(), new ChannelScores(norm.apply(raw.values()), basis));
            }
        } finally {
            if (pending != null) for (Future<ChannelScores> f : pending) if (f != null) f.cancel(true);
        }
        progress.update("scored", groups.size(), groups.size());
        return out;
    }

    /**
     * Scores the groups on {@code threads} threads, widest first (so the longest ones do not start last); one future
     * per group in group order, null for a group that is not scored. Each group's scores are what scoring it alone gives.
     */
    private static List<Future<ChannelScores>> submitAll(List<CoupledGroup> groups, ImportanceCriterion criterion, ScoringContext ctx,
                                                        ScoringOptions options, int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "lopper-scoring");
            t.setDaemon(true);
            return t;
        });
        try {
            List<FutureTask<ChannelScores>> tasks = new ArrayList<>();
            for (CoupledGroup g : groups) {
                tasks.add(!g.isPrunable() && !options.includeLocked() ? null : new FutureTask<>(() -> criterion.score(g, ctx)));
            }
            Integer[] order = new Integer[groups.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> Integer.compare(groups.get(b).channels(), groups.get(a).channels()));
            for (int i : order) if (tasks.get(i) != null) pool.execute(tasks.get(i));
            return new ArrayList<>(tasks);
        } finally {
            pool.shutdown(); // the queued groups still run; the threads end after the last
        }
    }

    private static ChannelScores await(Future<ChannelScores> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.lopper.task.CancelledException();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }
}
