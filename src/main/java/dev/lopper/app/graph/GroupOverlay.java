package dev.lopper.app.graph;

import java.util.Map;

/**
 * How the canvas marks the selected coupled group: its member boxes (with the group's mean importance
 * relative to the other groups in [0, 1], NaN when unknown), the importance of each of its channels
 * normalized to [0, 1] within the group (null before scoring) and which channels the plan removes
 * (null before planning), whether the group is locked and why; the boxes whose rules tied the group
 * together, numbered in graph order ("Explain a group"), and the box of the node that locks it (-1: none).
 */
public record GroupOverlay(String groupId, Map<Integer, Double> heat, double[] channelImportance, boolean[] removed,
                           boolean locked, String lockReason, Map<Integer, Integer> couplings, int lockingBox) {
    public GroupOverlay {
        heat = Map.copyOf(heat);
        couplings = Map.copyOf(couplings);
    }

    public GroupOverlay(String groupId, Map<Integer, Double> heat, double[] channelImportance, boolean[] removed,
                        boolean locked, String lockReason) {
        this(groupId, heat, channelImportance, removed, locked, lockReason, Map.of(), -1);
    }

    public GroupOverlay(String groupId, Map<Integer, Double> heat, boolean locked, String lockReason) {
        this(groupId, heat, null, null, locked, lockReason);
    }
}
