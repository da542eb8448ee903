package dev.lopper.analysis.ops;

import java.util.List;

import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Metrics;

/**
 * Everything Lopper knows about one op (or several ops that behave alike), in one place: how it couples channels,
 * what it costs, how activation moments pass through it and how it is drawn. Written in an {@code *Ops} family
 * class and listed by {@link Ops}; start from {@link #ops} and add what the op has:
 * <pre>{@code ops("Relu").rule(UNARY).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION).moments(MomentView.RELU)}</pre>
 * What an op does not have stays absent: no rule locks the groups it touches, no cost leaves its MACs uncounted
 * (listed in {@code Metrics.Report.uncounted}), no moment view gives its output no moments.
 *
 * @param domain   "" for the default ONNX domain, or e.g. "com.microsoft" (only the default domain has rules)
 * @param opTypes  the op types this definition is for
 * @param rule     channel coupling for the group analysis, or null
 * @param cost     MAC terms for {@link Metrics}, or null
 * @param isFree   a data-movement op: costs nothing, and only its input 0 is data (not its shapes, pads, scales)
 * @param category what the GUI draws it as
 * @param moments  how OBSPA's moment propagators pass moments through it, or null
 */
public record OpDefinition(String domain, List<String> opTypes, OpRule rule, Metrics.Cost cost, boolean isFree,
                           OpCategory category, MomentView moments) {
    /** The ONNX Runtime contrib domain. */
    public static final String MS = "com.microsoft";

    public OpDefinition {
        opTypes = List.copyOf(opTypes);
        if (isFree && cost != null) throw new IllegalArgumentException(opTypes + ": free and costed");
        if (rule != null && !domain.isEmpty()) throw new IllegalArgumentException(opTypes + ": rules are for the default domain");
    }

    /** Ops of the default domain that nothing is known about yet (category OTHER). */
    public static OpDefinition ops(String... opTypes) {
        return new OpDefinition("", List.of(opTypes), null, null, false, OpCategory.OTHER, null);
    }

    /** Ops of another domain. */
    public static OpDefinition opsIn(String domain, String... opTypes) {
        return new OpDefinition(domain, List.of(opTypes), null, null, false, OpCategory.OTHER, null);
    }

    public OpDefinition rule(OpRule r) { return new OpDefinition(domain, opTypes, r, cost, isFree, category, moments); }

    public OpDefinition cost(Metrics.Cost c) { return new OpDefinition(domain, opTypes, rule, c, isFree, category, moments); }

    /** A data-movement op (see {@link #isFree}). */
    public OpDefinition free() { return new OpDefinition(domain, opTypes, rule, cost, true, category, moments); }

    public OpDefinition category(OpCategory c) { return new OpDefinition(domain, opTypes, rule, cost, isFree, c, moments); }

    public OpDefinition moments(MomentView m) { return new OpDefinition(domain, opTypes, rule, cost, isFree, category, m); }
}
