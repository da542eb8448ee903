package dev.lopper.importance;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        ImportanceCriterion criterion = options.criterion().create();
        if (criterion.needsActivations() && options.stats() == ActivationStats.NONE) {
            throw new IllegalArgumentException("criterion '" + criterion.id() + "' needs calibration data (activation statistics)");
        }
        Normalization norm = options.normalization() != null ? options.normalization() : criterion.defaultNormalization();
        java.util.function.Function<String, List<String>> inputs = graph == null ? null
                : n -> graph.node(n) == null ? List.of() : graph.node(n).inputs();
        ScoringContext ctx = new ScoringContext(weights, options.stats(), options.reduction(), options.seed(), inputs);
        Map<String, ChannelScores> out = new LinkedHashMap<>();
        int i = 0;
        for (CoupledGroup g : groups) {
            progress.checkCancelled();
            progress.update("scoring channels", i++, groups.size());
            if (!g.isPrunable() && !options.includeLocked()) continue;
            ChannelScores raw = criterion.score(g, ctx);
            String basis = norm == Normalization.NONE ? raw.basis() : raw.basis() + ", normalized by " + norm.id();
            out.put(g.id(), new ChannelScores(norm.apply(raw.values()), basis));
        }
        progress.update("scored", groups.size(), groups.size());
        return out;
    }
}
