package dev.lopper.app.graph;

import java.util.Map;

/**
 * How the canvas marks the selected coupled group: its member boxes with a heat value in [0, 1]
 * (mean normalized importance of the channels the box carries; NaN when importance is unknown),
 * whether the group is locked and why.
 */
public record GroupOverlay(String groupId, Map<Integer, Double> heat, boolean locked, String lockReason) {
    public GroupOverlay {
        heat = Map.copyOf(heat);
    }
}
