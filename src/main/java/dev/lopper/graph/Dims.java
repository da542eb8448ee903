package dev.lopper.graph;

import java.util.Objects;

/** Dim arithmetic shared by shape inference: a dim is a size ({@code >= 0}) or unknown, maybe named. */
final class Dims {
    private Dims() {}

    /** A growable shape under construction. */
    static final class Builder {
        long[] d;
        String[] s;
        int n;

        Builder(int capacity) {
            d = new long[Math.max(capacity, 1)];
            s = new String[Math.max(capacity, 1)];
        }

        Builder add(long size, String symbol) {
            if (n == d.length) {
                d = java.util.Arrays.copyOf(d, n * 2);
                s = java.util.Arrays.copyOf(s, n * 2);
            }
            d[n] = size;
            s[n] = size >= 0 ? null : symbol;
            n++;
            return this;
        }

        Builder add(long size) { return add(size, null); }

        /** Copies dim {@code i} of {@code from} (size and symbol). */
        Builder copy(Shape from, int i) { return add(from.dims()[i], from.symbols()[i]); }

        Builder unknown() { return add(-1, null); }

        Shape build() {
            return new Shape(java.util.Arrays.copyOf(d, n), java.util.Arrays.copyOf(s, n));
        }
    }

    static Builder builder(int capacity) { return new Builder(capacity); }

    static Shape unknownOfRank(int r) {
        long[] d = new long[r];
        java.util.Arrays.fill(d, -1);
        return new Shape(d, new String[r]);
    }

    static long product(Shape s, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) {
            if (s.dims()[i] < 0) return -1;
            p *= s.dims()[i];
        }
        return p;
    }

    /** numpy-style broadcast of two shapes; a dim that cannot be decided is unknown. */
    static Shape broadcast(Shape a, Shape b) {
        if (!a.hasRank() || !b.hasRank()) return Shape.UNKNOWN_RANK;
        int r = Math.max(a.rank(), b.rank());
        long[] d = new long[r];
        String[] s = new String[r];
        for (int i = 0; i < r; i++) {
            int ia = a.rank() - r + i;
            int ib = b.rank() - r + i;
            long da = ia >= 0 ? a.dims()[ia] : 1;
            long db = ib >= 0 ? b.dims()[ib] : 1;
            String sa = ia >= 0 ? a.symbols()[ia] : null;
            String sb = ib >= 0 ? b.symbols()[ib] : null;
            if (da == 1) { d[i] = db; s[i] = sb; }
            else if (db == 1) { d[i] = da; s[i] = sa; }
            else if (da >= 0 && db >= 0) { d[i] = Math.max(da, db); }
            else if (da >= 0) { d[i] = da; }
            else if (db >= 0) { d[i] = db; }
            else {
                d[i] = -1;
                if (sa != null && sb == null) s[i] = sa;
                else if (sb != null && sa == null) s[i] = sb;
                else s[i] = Objects.equals(sa, sb) ? sa : null;
            }
        }
        return new Shape(d, s);
    }

    /** Combines what two sources know about one tensor: known sizes of either win. */
    static Shape merge(Shape inferred, Shape declared) {
        if (declared == null || !declared.hasRank()) return inferred;
        if (inferred == null || !inferred.hasRank()) return declared;
        if (inferred.rank() != declared.rank()) return inferred;
        long[] d = inferred.dims().clone();
        String[] s = inferred.symbols().clone();
        for (int i = 0; i < d.length; i++) {
            if (d[i] < 0 && declared.dims()[i] >= 0) { d[i] = declared.dims()[i]; s[i] = null; }
            else if (d[i] < 0 && s[i] == null) s[i] = declared.symbols()[i];
        }
        return new Shape(d, s);
    }

    static int normAxis(long axis, int rank) {
        return (int) (axis < 0 ? axis + rank : axis);
    }
}
