package dev.lopper.graph;

/**
 * Which MAC cost function each op has: the service {@link Metrics} finds with {@link java.util.ServiceLoader}. The
 * cost functions themselves are {@link Metrics}' ({@link Metrics#conv}, {@link Metrics#ELEMENTS_OUT}, ...); which op
 * gets which is said once per op in {@code dev.lopper.analysis.ops} (a layer above graph, hence the service).
 */
public interface OpCostTable {
    /** The cost of an op ({@code domain} "" for the default ONNX domain), or null when it has none. */
    Metrics.Cost cost(String domain, String opType);

    /**
     * True for a data-movement op: it costs nothing, and only its input 0 is data (its other inputs are shapes,
     * indices, scales, pads: not parameters).
     */
    boolean free(String domain, String opType);
}
