package dev.lopper.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.Member;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.importance.ChannelScores;
import dev.lopper.task.Progress;

/**
 * Turns scores and a ratio into kept channels per group.
 * <ol>
 *   <li>Eligible groups: prunable, scored, and touching no protected node.</li>
 *   <li>Removal counts: uniform → ⌊C·r⌋ per group; global → the ⌊r·ΣC⌋ lowest-scored channels of all
 *   non-overridden eligible groups together (ties: lower group first, and within a group the higher index,
 *   as within a group ties keep the lower index), never taking a group
 *   below its minimum; a channel of an inner factor counts once per channel of its whole outer factors (one channel
 *   of a 4-group conv's per-group axis is 4 channels of the real axis), and a channel that would overshoot the
 *   count is passed over; overridden groups use their own ratio. The outer factor of a product channel axis
 *   ({@link CoupledGroup#innerFactors()}, e.g. the groups of a grouped Conv) stays whole unless overridden while
 *   an inner factor is eligible: the inner factor alone carries the ratio, so the real axis loses r of its
 *   channels and global allocation counts the axis once.</li>
 *   <li>Kept count: at least max(1, minChannels, group.minChannels), rounded UP to a multiple of
 *   lcm(roundTo, group.multipleOf); if that is not below C the group stays whole (if group.multipleOf cannot
 *   be met with roundTo, roundTo is dropped for that group).</li>
 *   <li>Kept channels: the highest-scored (ties keep the lower index), sorted ascending.</li>
 * </ol>
 */
public final class Allocator {
    private Allocator() {}

    /** Why a group is left whole regardless of ratio, or empty when it may be pruned. */
    public static Optional<String> ineligibility(CoupledGroup g, PruningSettings s, Map<String, ChannelScores> scores) {
        if (!g.isPrunable()) return Optional.of("locked: " + String.join("; ", g.lockReasons()));
        for (Member m : g.members()) if (s.protectedNodes().contains(m.node())) return Optional.of("protected node " + m.node());
        for (ParamSlice p : g.slices()) if (s.protectedNodes().contains(p.node())) return Optional.of("protected node " + p.node());
        if (!scores.containsKey(g.id())) return Optional.of("not scored");
        if (scores.get(g.id()).channels() != g.channels()) {
            throw new IllegalArgumentException("scores of group " + g.id() + " have " + scores.get(g.id()).channels()
                    + " channels, the group has " + g.channels());
        }
        return Optional.empty();
    }

    /** Groups that lose channels → what they keep, in group order. */
    public static Map<String, GroupPlan> allocate(List<CoupledGroup> groups, Map<String, ChannelScores> scores,
                                                  PruningSettings s, double ratio) {
        return allocate(groups, scores, s, ratio, null, Progress.NONE);
    }

    /**
     * As {@link #allocate(List, Map, PruningSettings, double)}; with round-to {@link PruningSettings#ROUND_TO_AUTO} the
     * kept counts come from {@code chooser} (given the count with round-to 1), or, without a chooser, from round-to
     * {@link PruningSettings#DEFAULT_ROUND_TO}.
     */
    public static Map<String, GroupPlan> allocate(List<CoupledGroup> groups, Map<String, ChannelScores> scores,
                                                  PruningSettings s, double ratio, CountChooser chooser, Progress progress) {
        return allocate(groups, scores, s, ratio, chooser, 1, progress);
    }

    /**
     * Global allocation where no group of the ranked pool loses more than {@code maxGroupRatio} of its channels (so a
     * layer is not gutted); the channels it passes over go to the next-ranked groups. 1: no cap.
     */
    static Map<String, GroupPlan> allocateCapped(List<CoupledGroup> groups, Map<String, ChannelScores> scores,
                                                 PruningSettings s, double ratio, double maxGroupRatio) {
        return allocate(groups, scores, s.withAllocation(Allocation.GLOBAL), ratio, null, maxGroupRatio, Progress.NONE);
    }

    private static Map<String, GroupPlan> allocate(List<CoupledGroup> groups, Map<String, ChannelScores> scores,
                                                   PruningSettings s, double ratio, CountChooser chooser, double maxGroupRatio,
                                                   Progress progress) {
        if (!(ratio >= 0 && ratio <= 1)) throw new IllegalArgumentException("ratio must be in [0, 1], got " + ratio);
        List<CoupledGroup> eligible = new ArrayList<>();
        for (CoupledGroup g : groups) if (ineligibility(g, s, scores).isEmpty()) eligible.add(g);

        java.util.Set<String> eligibleIds = new java.util.HashSet<>();
        for (CoupledGroup g : eligible) eligibleIds.add(g.id());
        Map<String, Integer> removeCount = new LinkedHashMap<>();
        List<CoupledGroup> pool = new ArrayList<>();
        for (CoupledGroup g : eligible) {
            Double o = s.overrides().get(g.id());
            if (o != null) removeCount.put(g.id(), floorCount(g.channels(), o));
            else if (heldByInnerFactor(g, eligibleIds)) continue;
            else if (s.allocation() == Allocation.UNIFORM) removeCount.put(g.id(), floorCount(g.channels(), ratio));
            else pool.add(g);
        }
        if (!pool.isEmpty()) {
            // a channel of an inner factor stands for one channel in each whole outer factor (e.g. 4 conv groups × 6)
            Map<String, Integer> weight = new java.util.HashMap<>();
            for (CoupledGroup g : eligible) {
                if (!heldByInnerFactor(g, eligibleIds) || s.overrides().containsKey(g.id())) continue;
                for (String in : g.innerFactors()) weight.merge(in, g.channels(), Math::multiplyExact);
            }
            removeCount.putAll(globalCounts(pool, scores, s, ratio, weight, maxGroupRatio));
        }

        Map<String, GroupPlan> out = new LinkedHashMap<>();
        for (CoupledGroup g : eligible) {
            int remove = removeCount.getOrDefault(g.id(), 0);
            int kept;
            if (s.roundTo() != PruningSettings.ROUND_TO_AUTO) kept = legalKeep(g, s, g.channels() - remove);
            else if (chooser == null) kept = legalKeep(g, s.withRoundTo(PruningSettings.DEFAULT_ROUND_TO), g.channels() - remove);
            else {
                int wish = legalKeep(g, s.withRoundTo(1), g.channels() - remove);
                kept = wish >= g.channels() ? wish : chooser.keep(g, wish, minKeep(g, s), progress);
                if (kept < minKeep(g, s) || kept > g.channels() || kept % Math.max(1, g.multipleOf()) != 0) {
                    throw new IllegalStateException("channel count chooser kept " + kept + " of " + g.channels() + " in " + g.id());
                }
            }
            if (kept >= g.channels()) continue;
            out.put(g.id(), new GroupPlan(g.id(), g.channels(), topChannels(scores.get(g.id()).values(), kept)));
        }
        return out;
    }

    /**
     * An outer factor of a product channel axis (whole conv groups in groups × per-group) whose inner factor may be
     * pruned: the ratio goes to the inner factor alone, so the real axis loses r of its channels, not 1-(1-r)².
     */
    static boolean heldByInnerFactor(CoupledGroup g, java.util.Set<String> eligibleIds) {
        for (String in : g.innerFactors()) if (eligibleIds.contains(in)) return true;
        return false;
    }

    static int floorCount(int channels, double ratio) {
        return (int) Math.floor(channels * ratio + 1e-9);
    }

    /** Smallest kept count a group may have. */
    public static int minKeep(CoupledGroup g, PruningSettings s) {
        return Math.min(g.channels(), Math.max(1, Math.max(s.minChannels(), g.minChannels())));
    }

    /** The legal kept count for a wish: ≥ minimum, rounded up to the multiple; C when that reaches C. */
    static int legalKeep(CoupledGroup g, PruningSettings s, int wish) {
        if (s.roundTo() == PruningSettings.ROUND_TO_AUTO) s = s.withRoundTo(PruningSettings.DEFAULT_ROUND_TO);
        int c = g.channels();
        int kept = Math.max(wish, minKeep(g, s));
        int structural = Math.max(1, g.multipleOf());
        int m = lcm(s.roundTo(), structural);
        int rounded = ceilTo(kept, m);
        if (rounded > c && m != structural) rounded = ceilTo(kept, structural);
        return rounded >= c ? c : rounded;
    }

    private static Map<String, Integer> globalCounts(List<CoupledGroup> pool, Map<String, ChannelScores> scores,
                                                     PruningSettings s, double ratio, Map<String, Integer> weight,
                                                     double maxGroupRatio) {
        int total = 0, real = 0;
        int[] mult = new int[pool.size()];
        for (int gi = 0; gi < pool.size(); gi++) {
            CoupledGroup g = pool.get(gi);
            mult[gi] = weight.getOrDefault(g.id(), 1);
            total += g.channels();
            real += g.channels() * mult[gi];
        }
        int n = total;
        int[] groupOf = new int[n], channelOf = new int[n];
        double[] score = new double[n];
        int k = 0;
        for (int gi = 0; gi < pool.size(); gi++) {
            double[] v = scores.get(pool.get(gi).id()).values();
            for (int c = 0; c < v.length; c++) {
                groupOf[k] = gi;
                channelOf[k] = c;
                score[k++] = v[c];
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            int cmp = Double.compare(score[a], score[b]);
            if (cmp != 0) return cmp;
            cmp = Integer.compare(groupOf[a], groupOf[b]);
            return cmp != 0 ? cmp : Integer.compare(channelOf[b], channelOf[a]);
        });
        int want = floorCount(real, ratio);
        int[] removed = new int[pool.size()];
        int[] cap = new int[pool.size()];
        for (int gi = 0; gi < pool.size(); gi++) {
            cap[gi] = Math.min(pool.get(gi).channels() - minKeep(pool.get(gi), s), floorCount(pool.get(gi).channels(), maxGroupRatio));
        }
        int done = 0;
        for (int i = 0; i < n && done < want; i++) {
            int gi = groupOf[order[i]];
            if (removed[gi] < cap[gi] && done + mult[gi] <= want) {
                removed[gi]++;
                done += mult[gi];
            }
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int gi = 0; gi < pool.size(); gi++) out.put(pool.get(gi).id(), removed[gi]);
        return out;
    }

    /** Indices of the {@code kept} highest scores (ties keep the lower index), ascending. */
    static int[] topChannels(double[] scores, int kept) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            int cmp = Double.compare(scores[b], scores[a]);
            return cmp != 0 ? cmp : Integer.compare(a, b);
        });
        int[] r = new int[kept];
        for (int i = 0; i < kept; i++) r[i] = order[i];
        Arrays.sort(r);
        return r;
    }

    static int ceilTo(int x, int m) { return ((x + m - 1) / m) * m; }

    static int lcm(int a, int b) { return a / gcd(a, b) * b; }

    static int gcd(int a, int b) { return b == 0 ? a : gcd(b, a % b); }
}
