package dev.lopper.runtime;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

/**
 * ONNX Runtime graph optimization level. {@link #BASIC} and {@link #NONE} keep the original node names
 * (needed to map profiles back to the graph); {@link #ALL} is what a deployment would use for latency.
 */
public enum GraphOptimization {
    NONE(OptLevel.NO_OPT),
    BASIC(OptLevel.BASIC_OPT),
    EXTENDED(OptLevel.EXTENDED_OPT),
    ALL(OptLevel.ALL_OPT);

    private final OptLevel level;

    GraphOptimization(OptLevel level) { this.level = level; }

    OptLevel ortLevel() { return level; }
}
