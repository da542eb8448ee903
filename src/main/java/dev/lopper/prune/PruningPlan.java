package dev.lopper.prune;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An immutable plan: for the groups that lose channels, the kept root channel indices; every other group
 * stays whole. Tied to one model file by its SHA-256.
 *
 * @param modelSha256 SHA-256 (hex) of the model file the plan was made for
 * @param modelFile   that file's name, for messages
 * @param settings    criterion and settings that made the plan
 * @param groups      group id → what it keeps (only groups that lose channels), in group order
 */
public record PruningPlan(String modelSha256, String modelFile, PlanSettings settings, Map<String, GroupPlan> groups) {
    /** Version of the JSON schema written by {@link PlanFiles}. */
    public static final int SCHEMA_VERSION = 1;

    public PruningPlan {
        Map<String, GroupPlan> copy = new LinkedHashMap<>();
        for (Map.Entry<String, GroupPlan> e : groups.entrySet()) {
            if (!e.getKey().equals(e.getValue().id())) throw new IllegalArgumentException("plan key " + e.getKey() + " names group " + e.getValue().id());
            copy.put(e.getKey(), e.getValue());
        }
        groups = Collections.unmodifiableMap(copy);
    }

    /** Kept indices of a group, or null when the plan leaves it whole. */
    public int[] keptOf(String groupId) {
        GroupPlan g = groups.get(groupId);
        return g == null ? null : g.kept();
    }

    /** Kept channel count of a group of {@code channels} channels. */
    public int keptCount(String groupId, int channels) {
        GroupPlan g = groups.get(groupId);
        return g == null ? channels : g.keptCount();
    }

    public boolean removesNothing() {
        return groups.values().stream().allMatch(g -> g.removedCount() == 0);
    }

    /** Same plan without the given groups (they stay whole). */
    public PruningPlan without(java.util.Collection<String> groupIds) {
        Map<String, GroupPlan> m = new LinkedHashMap<>(groups);
        groupIds.forEach(m::remove);
        return new PruningPlan(modelSha256, modelFile, settings, m);
    }

    /** Same plan with only the given group. */
    public PruningPlan only(String groupId) {
        Map<String, GroupPlan> m = new LinkedHashMap<>();
        if (groups.containsKey(groupId)) m.put(groupId, groups.get(groupId));
        return new PruningPlan(modelSha256, modelFile, settings, m);
    }
}
