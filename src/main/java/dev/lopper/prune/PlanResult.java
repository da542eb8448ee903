package dev.lopper.prune;

import java.util.Map;

import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;

/**
 * A plan made by {@link PruningSession#plan} (or read from a file, {@link PruningSession#planOf}), with what
 * {@link PruningSession#prune} needs to apply it and correct its target.
 *
 * @param request the request it was made for
 * @param scoring the scoring options actually used (with the activation statistics / OBSPA moments filled in)
 * @param scores  group id → channel scores, or null for a plan read from a file
 * @param plan    the plan
 * @param before  parameters and MACs of the original
 * @param after   parameters and MACs the plan keeps, counted exactly from the group analysis
 */
public record PlanResult(PruneRequest request, ScoringOptions scoring, Map<String, ChannelScores> scores, PruningPlan plan,
                         ModelCost before, ModelCost after) {
    /** The same plan under another request (e.g. compensation or verification switched), for {@link PruningSession#prune}. */
    public PlanResult withRequest(PruneRequest r) { return new PlanResult(r, scoring, scores, plan, before, after); }
}
