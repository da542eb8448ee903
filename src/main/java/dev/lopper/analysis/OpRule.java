package dev.lopper.analysis;

import dev.lopper.graph.Node;

/**
 * What one ONNX op type does to channel dimensions: which input/output axes are tied, how indices map,
 * which constant slices belong to the channels, the MACs, and what must be rewritten when channels go.
 * Implementations live in {@code dev.lopper.analysis.rules}, one class per op type or family.
 */
public interface OpRule {
    /**
     * Sets the dims of the node's outputs from its inputs' dims. Throw {@link RuleFailure} when the node
     * cannot be handled safely: the analyzer then locks every dimension it touches with the message.
     */
    void apply(Node node, AnalysisContext ctx);

    /** A node a rule cannot handle safely; the message is the lock reason. */
    final class RuleFailure extends RuntimeException {
        public RuleFailure(String message) { super(message, null, false, false); }
    }
}
