package dev.lopper.prune.latency;

import java.nio.file.Path;
import java.util.Map;

import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.prune.PlanResult;
import dev.lopper.prune.Planner;
import dev.lopper.prune.PruneRequest;
import dev.lopper.prune.PruneTarget;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.PruningSettings;
import dev.lopper.prune.sensitivity.Sensitivity;
import dev.lopper.prune.sensitivity.SensitivityCache;
import dev.lopper.prune.sensitivity.SensitivitySettings;
import dev.lopper.task.Progress;

/**
 * The plan for a target when the allocation is by sensitivity and/or the target is a latency: the sensitivity
 * allocator ({@code --allocation sensitivity}) and/or the latency search ({@code --target-latency}). One entry point
 * for `lopper prune` and the app, so both decide the same plan for the same settings.
 */
public final class TargetDecision {
    private TargetDecision() {}

    /**
     * How to decide.
     *
     * @param bySensitivity   allocate per-group ratios from the sensitivity table (else the request's allocation)
     * @param targetLatency   fraction of the original's median latency to meet, or null (then the request's MACs or
     *                        params target is planned for)
     * @param threads         ONNX Runtime intra-op threads of the latency trials
     * @param sensitivity     what the sensitivity table measures
     * @param sensitivityData the samples it is measured on (null: seeded random inputs)
     * @param cache           the sensitivity cache (null: none)
     */
    public record Options(boolean bySensitivity, Double targetLatency, int threads, SensitivitySettings sensitivity,
                          Path sensitivityData, SensitivityCache cache) { }

    /**
     * What was decided.
     *
     * @param planned     the plan (null when a latency search found no plan faster than the original)
     * @param latency     the latency search and its trials (null without a latency target)
     * @param sensitivity the last sensitivity allocation and its table (null unless by sensitivity)
     * @param scores      the channel scores the plan was made from
     */
    public record Decision(PlanResult planned, LatencySearch.Result latency, Sensitivity.Allocated sensitivity,
                           Map<String, ChannelScores> scores) { }

    /**
     * The sensitivity settings for a scoring criterion: a criterion that needs activations (or OBSPA) measures the
     * curves with l1, as its channels are chosen without data.
     */
    public static SensitivitySettings sensitivitySettings(Criterion criterion, int samples, long seed, Path data,
                                                          Map<String, long[]> shapes) {
        String crit = criterion.create().needsActivations() || criterion == Criterion.OBSPA ? "l1" : criterion.id();
        return new SensitivitySettings(SensitivitySettings.DEFAULT_RATIOS, samples, seed, crit,
                Sensitivity.dataKey(data, Progress.NONE), shapes);
    }

    /** Decides the plan for {@code request}'s settings (a MACs or params target, or {@code options.targetLatency()}). */
    public static Decision decide(PruningSession s, PruneRequest request, Options options, Map<String, long[]> shapes,
                                  Progress progress) throws ModelLoadException {
        ScoringOptions so = s.scoringFor(request, progress);
        Map<String, ChannelScores> scores = s.score(so, progress);
        PruningSettings settings = request.settings();
        Sensitivity.Allocated[] last = new Sensitivity.Allocated[1];
        Planner.Result r;
        LatencySearch.Result latency = null;
        if (options.targetLatency() != null) {
            latency = LatencySearch.searchWithFallback(s, (m, rt) -> plan(s, scores, so,
                    settings.withTarget(PruneTarget.macs(m)).withRoundTo(rt), options, last, progress), settings.roundTo(),
                    options.targetLatency(), shapes, LatencySearch.Options.defaults(options.threads()), progress);
            r = latency.chosen();
        } else {
            r = plan(s, scores, so, settings, options, last, progress);
        }
        PlanResult planned = r == null ? null : new PlanResult(request, so, null, r.plan(), s.before(), r.after());
        return new Decision(planned, latency, last[0], scores);
    }

    private static Planner.Result plan(PruningSession s, Map<String, ChannelScores> scores, ScoringOptions scoring,
                                       PruningSettings settings, Options options, Sensitivity.Allocated[] last, Progress progress) {
        if (!options.bySensitivity()) return s.plan(scores, scoring, settings, progress);
        last[0] = Sensitivity.allocate(s, scores, scoring, settings, options.sensitivity(), options.sensitivityData(),
                options.cache(), progress);
        return last[0].result().planned();
    }
}
