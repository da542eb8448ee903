package dev.lopper.prune.obspa;

/** Removes input columns of a linear layer with least-squares compensation of the remaining weights. */
public interface ObsSolver {
    /** Output error (Σ over rows of E[(Δy)²]) that removing {@code cols} would add, after compensation. */
    double deltaE(int[] cols);

    /** Removes {@code cols} and compensates the others. */
    void remove(int[] cols);

    /** Current (compensated) weights, rows × columns; removed columns are 0. */
    double[][] weights();

    /** Applies any deferred updates now (results do not depend on when; a hint that a batch of removals ended). */
    default void flush() { }
}
