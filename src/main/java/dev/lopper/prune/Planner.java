package dev.lopper.prune;

import java.util.List;
import java.util.Map;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.task.Progress;

/**
 * Makes a {@link PruningPlan} from scores: a ratio goes straight to the {@link Allocator}; a MACs or params
 * target is met by bisection on the ratio, recounting the whole model with a {@link CostCounter} at every step
 * (removing a channel from two coupled layers is not linear, so per-channel costs cannot just be summed).
 * The ratio found is the smallest (to 1e-4) whose plan keeps at most the target fraction.
 */
public final class Planner {
    private Planner() {}

    /** A plan and what it costs. */
    public record Result(PruningPlan plan, ModelCost before, ModelCost after) { }

    public static Result plan(List<CoupledGroup> groups, Map<String, ChannelScores> scores, ScoringOptions scoring,
                              PruningSettings settings, CostCounter counter, ModelCost before,
                              String modelSha256, String modelFile, Progress progress) {
        PruneTarget t = settings.target();
        double ratio;
        if (t.kind() == PruneTarget.Kind.RATIO) {
            ratio = t.value();
        } else {
            ratio = solve(groups, scores, settings, counter, before, progress);
        }
        Map<String, GroupPlan> kept = Allocator.allocate(groups, scores, settings, ratio);
        ModelCost after = counter.count(kept);
        PlanSettings ps = new PlanSettings(scoring.criterion().id(), scoring.reduction().id(),
                scoring.effectiveNormalization().id(), scoring.seed(), settings, ratio);
        return new Result(new PruningPlan(modelSha256, modelFile, ps, kept), before, after);
    }

    static double fraction(ModelCost c, ModelCost before, PruneTarget.Kind kind) {
        return kind == PruneTarget.Kind.MACS ? c.macsFraction(before) : c.paramsFraction(before);
    }

    static double solve(List<CoupledGroup> groups, Map<String, ChannelScores> scores, PruningSettings settings,
                        CostCounter counter, ModelCost before, Progress progress) {
        PruneTarget t = settings.target();
        String what = t.kind() == PruneTarget.Kind.MACS ? "MACs" : "parameters";
        if (fraction(counter.count(Allocator.allocate(groups, scores, settings, 0)), before, t.kind()) <= t.value()) return 0;
        double most = fraction(counter.count(Allocator.allocate(groups, scores, settings, 1)), before, t.kind());
        if (most > t.value()) {
            throw new PlanException(String.format(java.util.Locale.ROOT,
                    "cannot keep only %.1f%% of %s: pruning every eligible group to its minimum still keeps %.1f%%",
                    100 * t.value(), what, 100 * most));
        }
        double lo = 0, hi = 1;
        int step = 0;
        while (hi - lo > 1e-4) {
            progress.checkCancelled();
            progress.update("searching the ratio for " + what, step++, 14);
            double mid = (lo + hi) / 2;
            double f = fraction(counter.count(Allocator.allocate(groups, scores, settings, mid)), before, t.kind());
            if (f <= t.value()) hi = mid;
            else lo = mid;
        }
        return hi;
    }
}
