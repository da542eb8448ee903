package dev.lopper.prune.latency;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code --round-to auto} rule: which kept count of a group to take, given the count the plan asks for and the
 * measured latency of the group's layers at nearby counts.
 * <ul>
 *   <li><b>Window.</b> For a wish of k channels (of C), w = ⌈k/8⌉ clamped to [4, 32] (about 12.5 %). Candidates at or above k: k
 *   itself, every multiple of s in (k, k+w] (s = 4 below 128 channels, else 8), and C when C ≤ k+w (the group left
 *   whole). Candidates below k: the multiples of 8 in
 *   [max(minKeep, k-d), k) with d = min(⌊w/2⌋, ⌊k/8⌋), at most 12.5 % fewer. Every candidate is a multiple of the group's
 *   structural {@code multipleOf}.</li>
 *   <li><b>Choice.</b> Among candidates ≥ k, the fastest F; the count taken is the smallest candidate ≥ k within
 *   {@link #UP_TOLERANCE} (3 %) of F: more channels only when measurably faster, so timing noise does not add channels.
 *   A candidate below k is taken only when it is faster than that choice by more than {@link #TOLERANCE} (5 %, above
 *   timing noise); then the fastest such one. So the plan never keeps fewer channels than it allows unless that is
 *   measurably faster, and then at most d fewer.</li>
 * </ul>
 * The latency of a count is the sum over the group's chains and lone layers ({@link LayerChain}, {@link LayerSpec}),
 * each timed with its outer channel counts at the original size.
 */
public final class ChannelCountRule {
    private ChannelCountRule() {}

    /** A larger count is taken over a smaller one only when faster by more than this. */
    public static final double UP_TOLERANCE = 0.03;

    /** How much faster a count below the wish must be to be taken. */
    public static final double TOLERANCE = 0.05;

    /** The window above the wish. */
    public static int window(int wish) { return Math.max(4, Math.min(32, (wish + 7) / 8)); }

    /** Spacing of the candidates above the wish. */
    public static int step(int wish) { return wish < 128 ? 4 : 8; }

    /** The window below the wish. */
    public static int below(int wish) { return Math.min(window(wish) / 2, wish / 8); }

    /** Candidate counts for a wish, ascending. */
    public static int[] candidates(int wish, int channels, int minKeep, int multipleOf) {
        int m = Math.max(1, multipleOf);
        int w = window(wish);
        List<Integer> c = new ArrayList<>();
        for (int n = Math.max(minKeep, wish - below(wish)); n < wish; n++) if (n >= 1 && n % 8 == 0 && n % m == 0) c.add(n);
        c.add(wish);
        for (int n = wish + 1; n <= Math.min(channels, wish + w); n++) {
            if ((n % step(wish) == 0 || n == channels) && n % m == 0) c.add(n);
        }
        return c.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The chosen count among {@code candidates} (ascending, containing {@code wish}) with latencies {@code ms}. */
    public static int choose(int wish, int[] candidates, double[] ms) {
        int fastest = -1;
        for (int i = 0; i < candidates.length; i++) {
            if (candidates[i] >= wish && (fastest < 0 || ms[i] < ms[fastest])) fastest = i;
        }
        if (fastest < 0) throw new IllegalArgumentException("no candidate at or above the wish " + wish);
        int best = fastest;
        for (int i = 0; i < candidates.length; i++) { // ascending: the first within the tolerance is the smallest
            if (candidates[i] >= wish && ms[i] <= (1 + UP_TOLERANCE) * ms[fastest]) {
                best = i;
                break;
            }
        }
        int below = -1;
        for (int i = 0; i < candidates.length; i++) {
            if (candidates[i] >= wish || !(ms[i] < (1 - TOLERANCE) * ms[best])) continue;
            if (below < 0 || ms[i] <= ms[below]) below = i;
        }
        return candidates[below >= 0 ? below : best];
    }
}
