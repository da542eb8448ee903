package dev.lopper.graph;

/** Edge of the graph DAG: tensor {@code tensor} flows into input slot {@code slot} of the target node. */
public final class TensorEdge {
    /** Slot of an edge into a node whose subgraph reads the tensor from the outer scope. */
    public static final int IMPLICIT = -1;

    private final String tensor;
    private final int slot;

    public TensorEdge(String tensor, int slot) {
        this.tensor = tensor;
        this.slot = slot;
    }

    public String tensor() { return tensor; }

    public int slot() { return slot; }

    @Override
    public String toString() { return tensor + "@" + slot; }
}
