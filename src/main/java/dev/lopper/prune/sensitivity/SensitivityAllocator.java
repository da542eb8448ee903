package dev.lopper.prune.sensitivity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.prune.Allocator;
import dev.lopper.prune.GroupPlan;
import dev.lopper.prune.ModelCost;
import dev.lopper.prune.PlanException;
import dev.lopper.prune.Planner;
import dev.lopper.prune.PruneTarget;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.PruningSettings;
import dev.lopper.task.Progress;

/**
 * Per-group ratios from a sensitivity table: the least predicted damage for a MACs or parameters target.
 * Each group's measured curve (damage and savings vs ratio; (0, 0) added, damage made non-decreasing) is
 * interpolated linearly on a grid of ratios (steps of 0.05 up to the largest measured ratio). Greedy: repeatedly
 * move the group whose next step (to any larger grid ratio) costs the least damage per MAC (or parameter) saved,
 * until the plan — counted by the session's cost counter, with round-to and every other setting applied — meets the
 * target; the last move is then bisected so it is not overshot. Predicted damage is the sum of the groups'
 * interpolated damages (groups taken as independent); {@link DamageProbe} measures the real one.
 */
public final class SensitivityAllocator {
    private SensitivityAllocator() {}

    /** Grid step of the ratios the greedy search moves through. */
    static final double STEP = 0.05;

    /** A plan, its estimated cost, each group's ratio, and the predicted damage. */
    public record Result(Planner.Result planned, Map<String, Double> ratios, double predictedDamage) { }

    /** A group's interpolated curve. */
    record Curve(CoupledGroup group, double[] ratio, double[] damage, double[] measured, double[] macs, double[] params) {
        double at(double[] ys, double r) {
            if (r <= 0) return 0;
            for (int i = 1; i < ratio.length; i++) {
                if (r <= ratio[i] + 1e-12) {
                    double t = (r - ratio[i - 1]) / (ratio[i] - ratio[i - 1]);
                    return ys[i - 1] + t * (ys[i] - ys[i - 1]);
                }
            }
            return ys[ys.length - 1];
        }

        double maxRatio() { return ratio[ratio.length - 1]; }
    }

    /**
     * @param settings how to allocate (round-to, min channels, protected nodes); its target must be MACs or params
     */
    public static Result allocate(PruningSession s, SensitivityResult table, Map<String, ChannelScores> scores,
                                  ScoringOptions scoring, PruningSettings settings, Progress progress) {
        PruneTarget target = settings.target();
        if (target.kind() == PruneTarget.Kind.RATIO) {
            throw new IllegalArgumentException("--allocation sensitivity needs a MACs, parameters or latency target, not a ratio");
        }
        boolean macs = target.kind() == PruneTarget.Kind.MACS;
        boolean accuracy = table.metric().equals("accuracy");
        List<Curve> curves = new ArrayList<>();
        for (CoupledGroup g : s.groups()) {
            if (Allocator.ineligibility(g, settings, scores).isPresent()) continue;
            SensitivityResult.Group sg = table.group(g.id()).orElse(null);
            if (sg == null || !sg.measured() || sg.points().isEmpty()) continue;
            int n = sg.points().size() + 1;
            double[] r = new double[n], d = new double[n], raw = new double[n], m = new double[n], p = new double[n];
            for (int i = 1; i < n; i++) {
                SensitivityResult.Point pt = sg.points().get(i - 1);
                r[i] = pt.ratio();
                // with labels, accuracy over a few samples ties often: the output error breaks ties
                double dmg = accuracy ? pt.damage() + 1e-3 * pt.relL2() : pt.damage();
                d[i] = Math.max(d[i - 1], Double.isFinite(dmg) ? dmg : d[i - 1]);
                raw[i] = Double.isFinite(pt.damage()) ? pt.damage() : raw[i - 1];
                m[i] = pt.macsSaved();
                p[i] = pt.paramsSaved();
            }
            curves.add(new Curve(g, r, d, raw, m, p));
        }
        if (curves.isEmpty()) throw new PlanException("no prunable group has a measured sensitivity curve");

        int k = curves.size();
        double[][] levels = new double[k][];
        for (int i = 0; i < k; i++) {
            double max = curves.get(i).maxRatio();
            List<Double> lv = new ArrayList<>();
            for (double r = 0; r < max - 1e-9; r += STEP) lv.add(Math.round(r * 1e6) / 1e6);
            lv.add(max);
            levels[i] = lv.stream().mapToDouble(Double::doubleValue).toArray();
        }
        int[] cur = new int[k];
        Map<String, Double> ratios = new LinkedHashMap<>();
        ModelCost before = s.before();
        int step = 0, maxSteps = java.util.Arrays.stream(levels).mapToInt(a -> a.length).sum();
        int last = -1;
        double lastFrom = 0;
        while (true) {
            progress.checkCancelled();
            progress.update("allocating by sensitivity", step++, maxSteps);
            double f = fraction(s, scores, settings, ratios, before, macs);
            if (f <= target.value() + 1e-12) break;
            int bestG = -1, bestJ = -1;
            double bestKey = Double.POSITIVE_INFINITY, bestGain = 0;
            for (int i = 0; i < k; i++) {
                Curve c = curves.get(i);
                double[] sv = macs ? c.macs() : c.params();
                double r0 = levels[i][cur[i]];
                for (int j = cur[i] + 1; j < levels[i].length; j++) {
                    double r1 = levels[i][j];
                    double gain = c.at(sv, r1) - c.at(sv, r0);
                    if (gain <= 0) continue;
                    double key = (c.at(c.damage(), r1) - c.at(c.damage(), r0)) / gain;
                    if (key < bestKey - 1e-15 || (Math.abs(key - bestKey) <= 1e-15 && gain > bestGain)) {
                        bestKey = key;
                        bestGain = gain;
                        bestG = i;
                        bestJ = j;
                    }
                }
            }
            if (bestG < 0) {
                throw new PlanException(String.format(Locale.ROOT,
                        "cannot keep only %.1f%% of %s with at most the largest measured ratio per group (%.1f%% kept); measure larger --ratios",
                        100 * target.value(), macs ? "MACs" : "parameters", 100 * f));
            }
            last = bestG;
            lastFrom = levels[bestG][cur[bestG]];
            cur[bestG] = bestJ;
            ratios.put(curves.get(bestG).group().id(), levels[bestG][bestJ]);
        }
        if (last >= 0) {
            // do not overshoot: the smallest ratio of the last moved group that still meets the target
            String id = curves.get(last).group().id();
            double lo = lastFrom, hi = ratios.get(id);
            for (int it = 0; it < 20 && hi - lo > 1e-3; it++) {
                double mid = (lo + hi) / 2;
                Map<String, Double> trial = new LinkedHashMap<>(ratios);
                if (mid > 0) trial.put(id, mid);
                else trial.remove(id);
                if (fraction(s, scores, settings, trial, before, macs) <= target.value() + 1e-12) hi = mid;
                else lo = mid;
            }
            ratios.put(id, hi);
        }
        Planner.Result planned = s.plan(scores, scoring, settings.withOverrides(ratios).withTarget(PruneTarget.ratio(0)), progress);
        double predicted = 0;
        for (Curve c : curves) {
            GroupPlan gp = planned.plan().groups().get(c.group().id());
            if (gp == null) continue;
            predicted += c.at(c.measured(), (double) gp.removedCount() / gp.channels());
        }
        return new Result(planned, ratios, predicted);
    }

    private static double fraction(PruningSession s, Map<String, ChannelScores> scores, PruningSettings settings,
                                   Map<String, Double> ratios, ModelCost before, boolean macs) {
        Map<String, GroupPlan> plan = Allocator.allocate(s.groups(), scores, settings.withOverrides(ratios), 0);
        ModelCost c = s.costModel().count(plan);
        return macs ? c.macsFraction(before) : c.paramsFraction(before);
    }
}
