package dev.lopper.prune;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.task.Progress;

/**
 * Picks a group's kept channel count near the allocator's wish ({@code --round-to auto}: measured fast sizes, see
 * {@link dev.lopper.prune.latency.HardwareCounts}). The result must be legal: at least {@code minKeep}, a multiple of
 * the group's {@code multipleOf}, at most its channel count (the count itself means "leave it whole").
 */
@FunctionalInterface
public interface CountChooser {
    int keep(CoupledGroup g, int wish, int minKeep, Progress progress);
}
