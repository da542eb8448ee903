package dev.lopper.prune;

import java.util.HashMap;
import java.util.Map;

import dev.lopper.analysis.GroupAnalysis;

/**
 * Exact cost of kept channel counts from the group analysis itself ({@link GroupAnalysis#paramsAfter} and
 * {@link GroupAnalysis#macsAfter}: every constant and every MAC term recomputed with the new dimension sizes, so
 * coupled layers shrink quadratically and weightless MatMuls such as attention scores are counted too).
 * The planner's counter: MACs by the one definition of {@code graph.Metrics}, evaluated with the pruned sizes.
 */
public final class AnalysisCostCounter implements CostCounter {
    private final GroupAnalysis analysis;

    public AnalysisCostCounter(GroupAnalysis analysis) { this.analysis = analysis; }

    @Override
    public ModelCost count(Map<String, GroupPlan> plan) {
        Map<String, Integer> kept = new HashMap<>();
        plan.forEach((id, g) -> kept.put(id, g.keptCount()));
        return new ModelCost(analysis.paramsAfter(kept), Math.round(analysis.macsAfter(kept)));
    }
}
