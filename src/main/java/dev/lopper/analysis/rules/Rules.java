package dev.lopper.analysis.rules;

import java.util.Set;

import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ops.Ops;

/**
 * The op rules, as {@link Ops} (the one table of ops, see {@code dev.lopper.analysis.ops}) assigns them: ONNX op
 * type (default domain) → rule. An op without a rule locks every group it touches ("no rule for op 'GRU' at node
 * 'gru_1'"); nothing is treated as elementwise by default. If/Loop/Scan, ConvInteger, DepthToSpace and friends
 * deliberately have no rule.
 */
public final class Rules {
    private Rules() {}

    /** The rule for an op of the default ONNX domain, or null. */
    public static OpRule forOp(String domain, String opType) {
        if (domain != null && !domain.isEmpty() && !domain.equals("ai.onnx")) return null;
        return Ops.rule("", opType);
    }

    /** Op types that have a rule. */
    public static Set<String> supportedOps() { return Ops.ruledOps(); }
}
