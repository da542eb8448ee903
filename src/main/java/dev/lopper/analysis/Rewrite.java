package dev.lopper.analysis;

import java.util.List;

/** A change the plan applier makes to a node (besides slicing constants) when channels go. */
public sealed interface Rewrite {
    String node();

    /** Integer attribute that equals a dimension's size (Conv {@code group}, GroupNormalization {@code num_groups}). */
    record IntAttribute(String node, String attribute, Dim size) implements Rewrite { }

    /**
     * Element {@code element} of constant input {@code input} of {@code node} (a shape computation's literal,
     * e.g. the hidden size in {@code Concat(batch, seq, 768)}) becomes the size of {@code size}.
     */
    record ConstantPatch(String node, int input, String constant, int element, Dim size) implements Rewrite { }

    /** Split sizes along the split axis (attribute before opset 13, input 1 from 13). */
    record SplitSizes(String node, List<Dim> parts, List<Dim> dependsOn) implements Rewrite { }

    /**
     * A shape-valued input (Reshape target, Resize sizes) rebuilt as a new constant: one entry per output axis.
     * An entry with a known size is written as its new size; an unknown one as 0 (copy the input axis,
     * when {@code copyAxis[i]}) or -1 (at most one). {@code dependsOn}: dims the original (computed) shape reads
     * through Shape ops; when one of them changes, the computed shape is replaced even if no entry changes.
     */
    record ShapeInput(String node, int input, List<Dim> entries, boolean[] copyAxis, boolean zeroCopies,
                      List<Dim> dependsOn) implements Rewrite { }

    /**
     * Slice start/end along one axis: start = size(before), end = start + size(kept); {@code starts}/{@code ends}
     * are the original values (attributes before opset 10, inputs 1 and 2 from 10).
     */
    record SliceBounds(String node, int position, Dim before, Dim kept, long[] starts, long[] ends, int opset,
                       List<Dim> dependsOn) implements Rewrite { }
}
