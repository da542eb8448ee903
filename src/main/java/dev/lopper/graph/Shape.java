package dev.lopper.graph;

import java.util.Arrays;
import java.util.List;

/**
 * A tensor shape: rank plus one entry per dim, each a known size or a symbol (name) / unknown.
 * {@code dims[i] < 0} means not statically known; {@code symbols[i]} may then name it.
 */
public record Shape(long[] dims, String[] symbols) {
    public static final Shape UNKNOWN_RANK = new Shape(null, null);

    public static Shape of(long... dims) {
        return new Shape(dims.clone(), new String[dims.length]);
    }

    public static Shape of(List<Long> dims) {
        return of(dims.stream().mapToLong(Long::longValue).toArray());
    }

    public boolean hasRank() { return dims != null; }

    public int rank() { return dims == null ? -1 : dims.length; }

    public long dim(int axis) { return dims[normalize(axis)]; }

    public String symbol(int axis) { return symbols == null ? null : symbols[normalize(axis)]; }

    public boolean isStatic() {
        if (dims == null) return false;
        for (long d : dims) if (d < 0) return false;
        return true;
    }

    public long elementCount() {
        if (!isStatic()) return -1;
        long n = 1;
        for (long d : dims) n *= d;
        return n;
    }

    public int normalize(int axis) {
        return axis < 0 ? axis + dims.length : axis;
    }

    public Shape withDim(int axis, long size) {
        long[] d = dims.clone();
        String[] s = symbols.clone();
        d[normalize(axis)] = size;
        s[normalize(axis)] = null;
        return new Shape(d, s);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims) && Arrays.equals(symbols, s.symbols);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(dims) * 31 + Arrays.hashCode(symbols); }

    @Override
    public String toString() {
        if (dims == null) return "?";
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) b.append(',');
            if (dims[i] >= 0) b.append(dims[i]);
            else b.append(symbols[i] != null ? symbols[i] : "?");
        }
        return b.append(']').toString();
    }
}
