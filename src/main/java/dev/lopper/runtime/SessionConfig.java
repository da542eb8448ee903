package dev.lopper.runtime;

/**
 * How a session runs.
 *
 * @param intraOpThreads threads inside one operator; 0 lets ONNX Runtime choose (all physical cores)
 * @param interOpThreads threads across independent operators; 0 lets ONNX Runtime choose
 * @param optimization   graph optimization level
 * @param batchSize      value given to batch-like symbolic dims (see {@link ShapePolicy}) and data batch size
 */
public record SessionConfig(int intraOpThreads, int interOpThreads, GraphOptimization optimization, int batchSize) {
    public static final SessionConfig DEFAULT = new SessionConfig(0, 1, GraphOptimization.ALL, 1);

    public SessionConfig {
        if (intraOpThreads < 0) throw new IllegalArgumentException("intra-op threads must be >= 0, got " + intraOpThreads);
        if (interOpThreads < 0) throw new IllegalArgumentException("inter-op threads must be >= 0, got " + interOpThreads);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (optimization == null) optimization = GraphOptimization.ALL;
    }

    public SessionConfig withThreads(int intra) { return new SessionConfig(intra, interOpThreads, optimization, batchSize); }

    public SessionConfig withOptimization(GraphOptimization o) { return new SessionConfig(intraOpThreads, interOpThreads, o, batchSize); }

    public SessionConfig withBatchSize(int b) { return new SessionConfig(intraOpThreads, interOpThreads, optimization, b); }
}
