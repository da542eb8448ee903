package dev.lopper.prune;

/**
 * What made a plan: the scoring choices and the allocation settings, and the ratio finally used
 * (equal to the target ratio, or found by bisection for MACs/params targets). Strings for the scoring
 * choices so hand-edited plans ({@code "manual"}) fit too.
 */
public record PlanSettings(String criterion, String reduction, String normalization, long seed,
                           PruningSettings pruning, double ratioUsed) {
    public static PlanSettings manual() {
        return new PlanSettings("manual", "none", "none", 0, PruningSettings.ratio(0).withRoundTo(1), 0);
    }
}
