package dev.lopper.analysis;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A channel dimension variable: one axis of one or more tensors. Dimensions that must have the same
 * size and the same index order are unified (union-find). A dimension may be laid out as the
 * concatenation ({@link Layout#SUM}) or the row-major product ({@link Layout#PRODUCT}) of smaller ones
 * (Concat, Split, Reshape into heads, grouped conv, Flatten). Leaves carry the flags and lock reasons;
 * a prunable leaf with channel origin becomes a {@link CoupledGroup}.
 */
public final class Dim {
    /** How a composite dimension is made of its parts. */
    public enum Layout { SUM, PRODUCT }

    final int id;
    Dim parent;
    long size;          // -1 when unknown (data-dependent)
    String name;        // label for group ids, e.g. "conv1/out"
    Layout layout;      // null for a leaf
    List<Dim> parts;    // outer to inner (PRODUCT) or first to last (SUM)
    boolean channel;    // created as a feature/channel axis by a weighted op
    boolean data;       // follows a graph input's axis (batch, sequence, spatial)
    Set<String> locks;  // only on leaves
    Set<String> mixing; // nodes that mix channels along this leaf (normalization/reduction over it)

    Dim(int id, long size, String name) {
        this.id = id;
        this.size = size;
        this.name = name;
    }

    public int id() { return id; }

    /** Size of the (root) dimension, -1 when unknown. */
    public long size() { return DimSpace.find(this).size; }

    public boolean isKnown() { return size() >= 0; }

    @Override
    public String toString() {
        Dim r = DimSpace.find(this);
        return "Dim#" + r.id + (r.name == null ? "" : "(" + r.name + ")") + "[" + r.size + "]"
                + (r.layout == null ? "" : r.layout + "" + r.parts);
    }

    List<String> lockList() { return locks == null ? List.of() : new ArrayList<>(locks); }

    void addLock(String reason) {
        if (locks == null) locks = new LinkedHashSet<>();
        locks.add(reason);
    }

    void addMixing(String node) {
        if (mixing == null) mixing = new LinkedHashSet<>();
        mixing.add(node);
    }
}
