package dev.lopper.prune;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How channels are allocated.
 *
 * @param allocation     uniform per group, or global ranking (default {@link Allocation#UNIFORM})
 * @param target         ratio, or MACs / params fraction to keep
 * @param roundTo        kept channel counts are rounded UP to a multiple of this (1 = off); a group whose
 *                       rounded count reaches its size is left whole. Default {@link #DEFAULT_ROUND_TO}.
 *                       {@link #ROUND_TO_AUTO} (0): counts measured fast on this machine
 *                       ({@link dev.lopper.prune.latency.HardwareCounts}).
 * @param minChannels    every pruned group keeps at least this many channels (≥ 1; default 1); a group's
 *                       structural {@code minChannels} and {@code multipleOf} are always respected too
 * @param protectedNodes groups with a member or parameter slice on one of these nodes are left whole
 * @param overrides      group id → ratio for that group (taken out of global ranking)
 */
public record PruningSettings(Allocation allocation, PruneTarget target, int roundTo, int minChannels,
                              Set<String> protectedNodes, Map<String, Double> overrides) {
    /**
     * Default round-to. Unaligned channel counts can make a pruned model slower than the original in ONNX
     * Runtime's CPU kernels; see docs-snippets/prune.md for the measurement.
     */
    public static final int DEFAULT_ROUND_TO = 8;

    /** {@code --round-to auto}: kept counts chosen from a per-layer latency table measured on this machine. */
    public static final int ROUND_TO_AUTO = 0;

    /** "auto" or the multiple. */
    public static String describeRoundTo(int roundTo) { return roundTo == ROUND_TO_AUTO ? "auto" : String.valueOf(roundTo); }

    /** Parses "auto" or an integer ≥ 1. */
    public static int parseRoundTo(String s) {
        if (s != null && s.trim().equalsIgnoreCase("auto")) return ROUND_TO_AUTO;
        try {
            int n = Integer.parseInt(s == null ? "" : s.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("--round-to must be auto or an integer >= 1, got '" + s + "'");
    }

    public PruningSettings {
        if (allocation == null) allocation = Allocation.UNIFORM;
        if (target == null) target = PruneTarget.ratio(0.3);
        if (roundTo < 0) throw new IllegalArgumentException("round-to must be ≥ 1 (or 0 = auto), got " + roundTo);
        if (minChannels < 1) throw new IllegalArgumentException("min-channels must be ≥ 1, got " + minChannels);
        protectedNodes = Set.copyOf(new TreeSet<>(protectedNodes == null ? Set.of() : protectedNodes));
        overrides = Map.copyOf(new TreeMap<>(overrides == null ? Map.of() : overrides));
        for (Map.Entry<String, Double> e : overrides.entrySet()) {
            if (!(e.getValue() >= 0 && e.getValue() < 1)) {
                throw new IllegalArgumentException("ratio for group " + e.getKey() + " must be in [0, 1), got " + e.getValue());
            }
        }
    }

    public static PruningSettings ratio(double r) {
        return new PruningSettings(Allocation.UNIFORM, PruneTarget.ratio(r), DEFAULT_ROUND_TO, 1, Set.of(), Map.of());
    }

    public PruningSettings withAllocation(Allocation a) { return new PruningSettings(a, target, roundTo, minChannels, protectedNodes, overrides); }

    public PruningSettings withTarget(PruneTarget t) { return new PruningSettings(allocation, t, roundTo, minChannels, protectedNodes, overrides); }

    public PruningSettings withRoundTo(int n) { return new PruningSettings(allocation, target, n, minChannels, protectedNodes, overrides); }

    public PruningSettings withMinChannels(int n) { return new PruningSettings(allocation, target, roundTo, n, protectedNodes, overrides); }

    public PruningSettings withProtected(Set<String> nodes) { return new PruningSettings(allocation, target, roundTo, minChannels, nodes, overrides); }

    public PruningSettings withOverrides(Map<String, Double> o) { return new PruningSettings(allocation, target, roundTo, minChannels, protectedNodes, o); }
}
