package dev.lopper.graph;

import java.util.List;

/**
 * Where a constant of the standardized view comes from, so that a rewriter knows what to edit:
 * <ul>
 *   <li>{@link Kind#INITIALIZER}: a stored initializer of the graph ({@code nodeIndices} empty,
 *       {@code initializers} = [its name]);</li>
 *   <li>{@link Kind#CONSTANT_NODE}: the value of a {@code Constant} node ({@code nodeIndices} = [that node's
 *       index in the original graph]);</li>
 *   <li>{@link Kind#FOLDED}: computed by folding: {@code nodeIndices} lists every original node of the
 *       computation (folded nodes and the Constant nodes they read), {@code initializers} the stored
 *       initializers it read. The file still holds those nodes; the value exists only in the view.</li>
 * </ul>
 */
public record ConstantOrigin(Kind kind, List<Integer> nodeIndices, List<String> initializers) {
    public enum Kind { INITIALIZER, CONSTANT_NODE, FOLDED }

    public ConstantOrigin {
        nodeIndices = List.copyOf(nodeIndices);
        initializers = List.copyOf(initializers);
    }

    public static ConstantOrigin initializer(String name) {
        return new ConstantOrigin(Kind.INITIALIZER, List.of(), List.of(name));
    }

    public static ConstantOrigin constantNode(int index) {
        return new ConstantOrigin(Kind.CONSTANT_NODE, List.of(index), List.of());
    }

    public boolean isStoredInitializer() { return kind == Kind.INITIALIZER; }
}
