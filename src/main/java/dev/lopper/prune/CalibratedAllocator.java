package dev.lopper.prune;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.task.Progress;

/**
 * {@link Allocation#CALIBRATED}: per-group removal counts chosen by <em>measured</em> damage on calibration samples.
 * Starting from the whole model, channels are removed in blocks (⌈C/{@value #BLOCKS}⌉ of a group's C, the group's
 * lowest-scored remaining ones, so the within-group order stays the criterion's); at each step the group whose next
 * block costs the least measured damage per channel removed (per MAC / parameter saved for a MACs / params target)
 * gives it up, until the target is met. Each candidate is rewritten as the final model will be — compensated by the
 * session's compensation step (OBSPA against the original, BatchNorm re-estimation) when one is given, then sliced —
 * and its damage is the mean per-sample cosine distance of its outputs to the original's on up to 64 calibration
 * samples ({@link ProgressivePruner.Measure}). Lazy greedy: a group's last measured marginal damage is kept, and
 * only the group with the smallest one is re-measured on the current model; if it is still the smallest it moves
 * (damage increments grow as groups thin, so older values are lower bounds in practice, not in theory).
 * Cost: one compensation + ONNX Runtime run per candidate measured (about 1–2 per step).
 */
public final class CalibratedAllocator {
    private CalibratedAllocator() {}

    /** A group's channels are removed in this many blocks at most. */
    public static final int BLOCKS = 4;

    /** The capped global candidate: no group loses more than the ratio + this. */
    public static final double CAP_MARGIN = 0.15;

    /**
     * What the search did: moves taken, candidates measured, the final plan's measured damage (mean softmax KL of the
     * outputs vs the original's) on {@code heldOut} calibration samples, each candidate compensated on the first
     * {@code fitted}; every move as "group -removed (damage d)".
     */
    public record Trace(int steps, int measured, double damage, int heldOut, int fitted, String chosen,
                        Map<String, Double> alternatives, List<String> moves) {
        public String describe() {
            StringBuilder b = new StringBuilder();
            alternatives.forEach((k, v) -> b.append(String.format(Locale.ROOT, ", %s %.4f", k, v)));
            return String.format(Locale.ROOT, "calibrated: %d greedy moves, %d candidates compensated and measured on %d held-out"
                    + " calibration samples (compensation fitted on the first %d); kept %s, damage %.4f (softmax KL vs the"
                    + " original%s)", steps, measured, heldOut, fitted, chosen, damage, b);
        }
    }

    /** Rewrites a model for kept channels as it will finally be (compensated when asked, then sliced). */
    @FunctionalInterface
    public interface Candidate {
        ModelProto rewrite(Map<String, GroupPlan> kept) throws Exception;
    }

    /** A plan and how the search went. */
    public record Result(Planner.Result planned, Trace trace) { }

    public static Result plan(PruningSession s, Map<String, ChannelScores> scores, ScoringOptions scoring,
                                      PruningSettings settings, ProgressivePruner.Measure measure, Candidate candidate,
                                      Progress progress) {
        PruneTarget t = settings.target();
        List<CoupledGroup> eligible = new ArrayList<>();
        for (CoupledGroup g : s.groups()) if (Allocator.ineligibility(g, settings, scores).isEmpty()) eligible.add(g);
        Set<String> ids = new HashSet<>();
        for (CoupledGroup g : eligible) ids.add(g.id());
        List<CoupledGroup> pool = new ArrayList<>();
        Map<String, Integer> removed = new LinkedHashMap<>();
        Map<String, Integer> mult = new LinkedHashMap<>();
        for (CoupledGroup g : eligible) {
            Double o = settings.overrides().get(g.id());
            if (o != null) removed.put(g.id(), Allocator.floorCount(g.channels(), o));
            else if (!Allocator.heldByInnerFactor(g, ids)) {
                pool.add(g);
                removed.put(g.id(), 0);
            }
        }
        for (CoupledGroup g : eligible) {
            if (!Allocator.heldByInnerFactor(g, ids) || settings.overrides().containsKey(g.id())) continue;
            for (String in : g.innerFactors()) mult.merge(in, g.channels(), Math::multiplyExact);
        }
        int real = 0;
        for (CoupledGroup g : pool) real += g.channels() * mult.getOrDefault(g.id(), 1);
        int want = t.kind() == PruneTarget.Kind.RATIO ? Allocator.floorCount(real, t.value()) : -1;
        CostCounter counter = s.costModel();
        ModelCost before = s.before();

        try (ProgressivePruner.Measure m = measure) {
            double current = 0;
            Map<String, Double> stale = new LinkedHashMap<>();
            int measured = 0, steps = 0, done = 0;
            List<String> moves = new ArrayList<>();
            while (true) {
                progress.checkCancelled();
                Map<String, GroupPlan> now = plans(eligible, scores, settings, removed);
                if (t.kind() == PruneTarget.Kind.RATIO ? done >= want
                        : Planner.fraction(counter.count(now), before, t.kind()) <= t.value() + 1e-9) break;
                // next block of every group that can still move
                Map<String, Integer> next = new LinkedHashMap<>();
                for (CoupledGroup g : pool) {
                    int r = removed.get(g.id());
                    int block = Math.max(1, (g.channels() + BLOCKS - 1) / BLOCKS);
                    int k = mult.getOrDefault(g.id(), 1);
                    if (want >= 0) block = Math.min(block, (want - done) / k);
                    if (block < 1) continue;
                    int keep = Allocator.legalKeep(g, settings, g.channels() - r - block);
                    int to = g.channels() - keep;
                    if (to <= r) continue;
                    if (want >= 0 && done + (to - r) * k > want) continue;
                    next.put(g.id(), to);
                }
                if (next.isEmpty()) break;
                Set<String> fresh = new HashSet<>();
                Map<String, Double> freshDamage = new LinkedHashMap<>();
                String chosen = null;
                while (chosen == null) {
                    String best = null;
                    double bestV = Double.POSITIVE_INFINITY;
                    for (String id : next.keySet()) {
                        double v = stale.getOrDefault(id, Double.NEGATIVE_INFINITY);
                        if (best == null || v < bestV) {
                            best = id;
                            bestV = v;
                        }
                    }
                    if (fresh.contains(best)) {
                        chosen = best;
                        break;
                    }
                    Map<String, Integer> trial = new LinkedHashMap<>(removed);
                    trial.put(best, next.get(best));
                    progress.update(String.format(Locale.ROOT, "calibrated allocation: step %d, measuring %s", steps + 1, best),
                            Math.max(0, done), Math.max(1, want));
                    double d = measure(m, candidate, plans(eligible, scores, settings, trial));
                    measured++;
                    double gain = gain(s, eligible, scores, settings, removed, trial, best, mult, t.kind(), counter, before);
                    stale.put(best, gain > 0 ? (d - current) / gain : Double.POSITIVE_INFINITY);
                    fresh.add(best);
                    freshDamage.put(best, d);
                }
                if (stale.get(chosen) == Double.POSITIVE_INFINITY) break; // no move left that runs
                int k = mult.getOrDefault(chosen, 1);
                done += (next.get(chosen) - removed.get(chosen)) * k;
                removed.put(chosen, next.get(chosen));
                current = freshDamage.get(chosen);
                steps++;
                moves.add(String.format(Locale.ROOT, "%s -%d (damage %.4f)", chosen, next.get(chosen), current));
            }
            Map<String, GroupPlan> kept = plans(eligible, scores, settings, removed);
            // the plain allocations as candidates too: the least damaged on the held-out samples is kept
            String chosen = "greedy";
            Map<String, Double> alternatives = new LinkedHashMap<>();
            Map<String, Map<String, GroupPlan>> plain = new LinkedHashMap<>();
            for (Allocation a : List.of(Allocation.UNIFORM, Allocation.GLOBAL)) {
                try {
                    plain.put(a.id(), Planner.plan(s.groups(), scores, scoring, settings.withAllocation(a), counter, before, s.sha256(),
                            s.path().getFileName().toString(), null, Progress.NONE).plan().groups());
                } catch (PlanException e) {
                    // no such plan for this target: not a candidate
                }
            }
            if (t.kind() == PruneTarget.Kind.RATIO && t.value() + CAP_MARGIN < 1) {
                // global, but no group loses more than the ratio + CAP_MARGIN of its channels
                plain.put(String.format(Locale.ROOT, "global capped at %.2f", t.value() + CAP_MARGIN),
                        Allocator.allocateCapped(s.groups(), scores, settings, t.value(), t.value() + CAP_MARGIN));
            }
            for (Map.Entry<String, Map<String, GroupPlan>> e : plain.entrySet()) {
                progress.checkCancelled();
                double d = measure(m, candidate, e.getValue());
                measured++;
                alternatives.put(e.getKey(), d);
                if (d < current) {
                    current = d;
                    kept = e.getValue();
                    chosen = e.getKey();
                }
            }
            Trace trace = new Trace(steps, measured, current, m.samples(), m.fitted(), chosen, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(alternatives)), List.copyOf(moves));
            PlanSettings ps = new PlanSettings(scoring.criterion().id(), scoring.reduction().id(),
                    scoring.effectiveNormalization().id(), scoring.seed(), settings,
                    t.kind() == PruneTarget.Kind.RATIO ? t.value() : (double) done / Math.max(1, real));
            return new Result(new Planner.Result(new PruningPlan(s.sha256(), s.path().getFileName().toString(), ps, kept), before,
                    counter.count(kept)), trace);
        }
    }

    /** Channels (ratio target: on the real axis) or MACs / parameters a move saves. */
    private static double gain(PruningSession s, List<CoupledGroup> eligible, Map<String, ChannelScores> scores,
                               PruningSettings settings, Map<String, Integer> from, Map<String, Integer> to, String id,
                               Map<String, Integer> mult, PruneTarget.Kind kind, CostCounter counter, ModelCost before) {
        if (kind == PruneTarget.Kind.RATIO) return (double) (to.get(id) - from.get(id)) * mult.getOrDefault(id, 1);
        ModelCost a = counter.count(plans(eligible, scores, settings, from)), b = counter.count(plans(eligible, scores, settings, to));
        return Planner.fraction(a, before, kind) - Planner.fraction(b, before, kind);
    }

    private static double measure(ProgressivePruner.Measure m, Candidate c, Map<String, GroupPlan> kept) {
        ModelProto p;
        try {
            p = c.rewrite(kept);
        } catch (Exception e) {
            return Double.POSITIVE_INFINITY;
        }
        return m.change(p, true);
    }

    /** Kept channels for removal counts: each group's highest-scored, as {@link Allocator} keeps them. */
    static Map<String, GroupPlan> plans(List<CoupledGroup> eligible, Map<String, ChannelScores> scores, PruningSettings s,
                                        Map<String, Integer> removed) {
        Map<String, GroupPlan> out = new LinkedHashMap<>();
        for (CoupledGroup g : eligible) {
            int r = removed.getOrDefault(g.id(), 0);
            if (r <= 0) continue;
            int kept = Allocator.legalKeep(g, s, g.channels() - r);
            if (kept >= g.channels()) continue;
            out.put(g.id(), new GroupPlan(g.id(), g.channels(), Allocator.topChannels(scores.get(g.id()).values(), kept)));
        }
        return out;
    }
}
