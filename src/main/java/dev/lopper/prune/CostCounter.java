package dev.lopper.prune;

import java.util.Map;

/** Counts the cost of the model a set of kept channels would give. */
@FunctionalInterface
public interface CostCounter {
    /** @param plan group id → kept channels (groups not listed stay whole) */
    ModelCost count(Map<String, GroupPlan> plan);
}
