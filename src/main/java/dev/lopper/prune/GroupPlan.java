package dev.lopper.prune;

import java.util.Arrays;

/**
 * What one group keeps: its root channel count and the kept root channel indices, sorted ascending.
 * Immutable (the array is copied in and out).
 */
public record GroupPlan(String id, int channels, int[] kept) {
    public GroupPlan {
        if (id == null || id.isEmpty()) throw new IllegalArgumentException("group id is required");
        kept = kept.clone();
        if (kept.length == 0) throw new IllegalArgumentException("group " + id + " keeps no channel");
        for (int i = 0; i < kept.length; i++) {
            if (kept[i] < 0 || kept[i] >= channels) {
                throw new IllegalArgumentException("group " + id + ": kept index " + kept[i] + " is out of range [0, " + channels + ")");
            }
            if (i > 0 && kept[i] <= kept[i - 1]) {
                throw new IllegalArgumentException("group " + id + ": kept indices must be sorted and unique (" + kept[i - 1] + ", " + kept[i] + ")");
            }
        }
    }

    @Override
    public int[] kept() { return kept.clone(); }

    public int keptCount() { return kept.length; }

    public int removedCount() { return channels - kept.length; }

    /** Removed root channel indices, ascending. */
    public int[] removed() {
        int[] r = new int[channels - kept.length];
        int k = 0, j = 0;
        for (int c = 0; c < channels; c++) {
            if (j < kept.length && kept[j] == c) j++;
            else r[k++] = c;
        }
        return r;
    }

    /** All channels of a group kept. */
    public static GroupPlan whole(String id, int channels) {
        int[] all = new int[channels];
        for (int i = 0; i < channels; i++) all[i] = i;
        return new GroupPlan(id, channels, all);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupPlan g && g.id.equals(id) && g.channels == channels && Arrays.equals(g.kept, kept);
    }

    @Override
    public int hashCode() { return id.hashCode() * 31 + Arrays.hashCode(kept); }

    @Override
    public String toString() { return id + " keeps " + kept.length + "/" + channels; }
}
