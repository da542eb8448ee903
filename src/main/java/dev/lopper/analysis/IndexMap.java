package dev.lopper.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * Maps a group's root channel {@code c} to the positions it occupies along one axis of one tensor:
 * {@code offset + k*period + c*block + j} for {@code j in [0, block)} and {@code k in [0, repeats)}.
 * <ul>
 *   <li>identity: {@code (0, 1, 1, 0)}</li>
 *   <li>Concat input starting at position o: {@code (o, 1, 1, 0)}</li>
 *   <li>Flatten of C×H×W into C·H·W features: {@code (0, H*W, 1, 0)}</li>
 *   <li>attention head h of size D in a merged H·D axis: {@code (0, D, 1, 0)}</li>
 *   <li>position p inside each of G groups of size S (grouped conv): {@code (0, 1, G, S)}</li>
 * </ul>
 */
public record IndexMap(int offset, int block, int repeats, int period) {
    public static final IndexMap IDENTITY = new IndexMap(0, 1, 1, 0);

    public IndexMap {
        if (block < 1 || repeats < 1 || offset < 0) throw new IllegalArgumentException("bad index map");
    }

    public static IndexMap offset(int offset) { return new IndexMap(offset, 1, 1, 0); }

    public static IndexMap blocks(int block) { return new IndexMap(0, block, 1, 0); }

    /** Positions of root channel c. */
    public int[] indicesOf(int c) {
        int[] r = new int[block * repeats];
        int i = 0;
        for (int k = 0; k < repeats; k++) {
            for (int j = 0; j < block; j++) r[i++] = offset + k * period + c * block + j;
        }
        return r;
    }

    /** Positions of the given root channels, in ascending root order (k-major for repeats). */
    public int[] indicesOf(int[] channels) {
        List<Integer> out = new ArrayList<>();
        for (int k = 0; k < repeats; k++) {
            for (int c : channels) {
                for (int j = 0; j < block; j++) out.add(offset + k * period + c * block + j);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Composition: first this map (root → intermediate), then {@code next} (intermediate → final).
     * Representable whenever at most one of the two repeats.
     */
    public IndexMap then(IndexMap next) {
        if (next.equals(IDENTITY)) return this;
        if (this.equals(IDENTITY)) return next;
        int nb = next.block;
        if (next.repeats == 1) {
            return new IndexMap(next.offset + offset * nb, block * nb, repeats, repeats == 1 ? 0 : period * nb);
        }
        if (repeats == 1) {
            return new IndexMap(next.offset + offset * nb, block * nb, next.repeats, next.period);
        }
        throw new UnsupportedOperationException("cannot compose " + this + " with " + next);
    }

    /** Number of positions one root channel occupies. */
    public int positionsPerChannel() { return block * repeats; }

    public boolean isIdentity() { return equals(IDENTITY); }
}
