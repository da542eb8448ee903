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
        return plan(groups, scores, scoring, settings, counter, before, modelSha256, modelFile, null, progress);
    }

    /**
     * With round-to {@link PruningSettings#ROUND_TO_AUTO} and a {@code chooser}: a MACs or params target is solved with
     * round-to 1 counts, then the counts are moved to measured fast sizes; when that keeps more than the target, the
     * goal given to the round-to-1 bisection is lowered by target / kept (and 2, 4, 8 … % more) until the chosen counts meet the target, then
     * bisected between that goal and the target ({@link #AUTO_ROUNDS} steps each), keeping the plan that meets the target
     * with the most MACs/params; so only counts near the final ones are ever timed.
     */
    public static Result plan(List<CoupledGroup> groups, Map<String, ChannelScores> scores, ScoringOptions scoring,
                              PruningSettings settings, CostCounter counter, ModelCost before,
                              String modelSha256, String modelFile, CountChooser chooser, Progress progress) {
        PruneTarget t = settings.target();
        boolean auto = settings.roundTo() == PruningSettings.ROUND_TO_AUTO && chooser != null;
        double ratio;
        Map<String, GroupPlan> kept;
        if (t.kind() == PruneTarget.Kind.RATIO) {
            ratio = t.value();
            kept = Allocator.allocate(groups, scores, settings, ratio, chooser, progress);
        } else if (!auto) {
            ratio = solve(groups, scores, settings, counter, before, progress);
            kept = Allocator.allocate(groups, scores, settings, ratio, chooser, progress);
        } else {
            PruningSettings raw = settings.withRoundTo(1);
            ratio = solve(groups, scores, raw, counter, before, progress);
            kept = Allocator.allocate(groups, scores, settings, ratio, chooser, progress);
            double got = fraction(counter.count(kept), before, t.kind());
            if (got > t.value() + 1e-9) {
                // the largest bisection goal whose measured counts keep at most the target: find one that meets it
                // (scaling by target / kept), then bisect between it and the target
                double hi = t.value(), lo = t.value(), loRatio = Double.NaN;
                Map<String, GroupPlan> loKept = null;
                for (int i = 0; i < AUTO_ROUNDS && loKept == null; i++) {
                    lo = lo * t.value() / got * (1 - 0.02 * (1 << i)); // counts are discrete: step further each round
                    double r = solveOrNaN(groups, scores, raw, t, lo, counter, before, progress);
                    if (Double.isNaN(r)) break;
                    Map<String, GroupPlan> k = Allocator.allocate(groups, scores, settings, r, chooser, progress);
                    got = fraction(counter.count(k), before, t.kind());
                    if (got <= t.value() + 1e-9) {
                        loKept = k;
                        loRatio = r;
                    } else {
                        hi = lo;
                    }
                }
                if (loKept != null) {
                    for (int i = 0; i < AUTO_ROUNDS; i++) {
                        double mid = (lo + hi) / 2;
                        double r = solveOrNaN(groups, scores, raw, t, mid, counter, before, progress);
                        if (Double.isNaN(r)) break;
                        Map<String, GroupPlan> k = Allocator.allocate(groups, scores, settings, r, chooser, progress);
                        if (fraction(counter.count(k), before, t.kind()) <= t.value() + 1e-9) {
                            lo = mid;
                            loKept = k;
                            loRatio = r;
                        } else {
                            hi = mid;
                        }
                    }
                    kept = loKept;
                    ratio = loRatio;
                }
            }
        }
        ModelCost after = counter.count(kept);
        PlanSettings ps = new PlanSettings(scoring.criterion().id(), scoring.reduction().id(),
                scoring.effectiveNormalization().id(), scoring.seed(), settings, ratio);
        return new Result(new PruningPlan(modelSha256, modelFile, ps, kept), before, after);
    }

    private static double solveOrNaN(List<CoupledGroup> groups, Map<String, ChannelScores> scores, PruningSettings raw, PruneTarget t,
                                     double goal, CostCounter counter, ModelCost before, Progress progress) {
        try {
            return solve(groups, scores, raw.withTarget(new PruneTarget(t.kind(), goal)), counter, before, progress);
        } catch (PlanException | IllegalArgumentException e) {
            return Double.NaN;
        }
    }

    /** Re-choices of measured counts for a MACs/params target with round-to auto. */
    public static final int AUTO_ROUNDS = 6;

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
