package dev.lopper.prune;

import dev.lopper.prune.obspa.Compensation;

/**
 * What {@link PruningSession#prune} did.
 *
 * @param plan         the plan finally applied (without groups left whole; tightened when the target was missed)
 * @param outcome      the last application and its verification
 * @param after        parameters and MACs of the verified model, recounted from the rewritten model; the plan's
 *                     count when it did not verify
 * @param compensation what OBS compensation did in the last application, or null when it was off
 */
public record PruneResult(PruningPlan plan, PlanExecution.Outcome outcome, ModelCost after, Compensation.Result compensation) {
    public boolean verified() { return outcome.verified(); }
}
