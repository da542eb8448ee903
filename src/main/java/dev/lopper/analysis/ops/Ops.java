package dev.lopper.analysis.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Metrics;
import dev.lopper.graph.OpCostTable;

/**
 * The one table of ops: every {@link OpDefinition}, from the family classes. The group analysis' rules, the MAC
 * costs of {@link Metrics} (through the {@link OpCostTable} service), OBSPA's moment views and the GUI's
 * categories are all read from here. An op type may be defined once per domain.
 */
public final class Ops implements OpCostTable {
    private static final List<OpDefinition> ALL;
    private static final Map<String, OpDefinition> BY_KEY = new HashMap<>();
    /** By op type alone: the default domain's definition, else another domain's (categories and moments ignore domains). */
    private static final Map<String, OpDefinition> BY_TYPE = new HashMap<>();

    static {
        List<OpDefinition> all = new ArrayList<>();
        all.addAll(ConvolutionOps.definitions());
        all.addAll(LinearOps.definitions());
        all.addAll(NormalizationOps.definitions());
        all.addAll(ActivationOps.definitions());
        all.addAll(ElementwiseOps.definitions());
        all.addAll(PoolingOps.definitions());
        all.addAll(ReductionOps.definitions());
        all.addAll(ShapeOps.definitions());
        all.addAll(RecurrentOps.definitions());
        all.addAll(QuantizedOps.definitions());
        all.addAll(ControlFlowOps.definitions());
        ALL = List.copyOf(all);
        for (OpDefinition d : ALL) {
            for (String op : d.opTypes()) {
                if (BY_KEY.put(key(d.domain(), op), d) != null) throw new IllegalStateException("op defined twice: " + key(d.domain(), op));
            }
        }
        for (OpDefinition d : ALL) for (String op : d.opTypes()) if (d.domain().isEmpty()) BY_TYPE.put(op, d);
        for (OpDefinition d : ALL) for (String op : d.opTypes()) BY_TYPE.putIfAbsent(op, d);
    }

    /** For the {@link java.util.ServiceLoader}; the table itself is static. */
    public Ops() {}

    private static String key(String domain, String op) { return domain + ":" + op; }

    private static String normal(String domain) {
        return domain == null || domain.equals("ai.onnx") ? "" : domain;
    }

    /** Every definition, in family order. */
    public static List<OpDefinition> all() { return ALL; }

    /** The definition of an op in a domain ("" or "ai.onnx": the default one), or null. */
    public static OpDefinition definition(String domain, String opType) {
        return BY_KEY.get(key(normal(domain), opType));
    }

    /** The coupling rule of an op, or null (only default-domain ops have rules). */
    public static OpRule rule(String domain, String opType) {
        OpDefinition d = definition(domain, opType);
        return d == null ? null : d.rule();
    }

    /** Op types of the default domain that have a rule. */
    public static Set<String> ruledOps() {
        Set<String> s = new TreeSet<>();
        for (OpDefinition d : ALL) if (d.rule() != null) s.addAll(d.opTypes());
        return Collections.unmodifiableSet(s);
    }

    /** The drawing category of an op type (any domain), OTHER when unknown. */
    public static OpCategory category(String opType) {
        OpDefinition d = BY_TYPE.get(opType);
        return d == null ? OpCategory.OTHER : d.category();
    }

    /** How moments pass through an op type (any domain; the propagators choose the domains they trust), or null. */
    public static MomentView moments(String opType) {
        OpDefinition d = BY_TYPE.get(opType);
        return d == null ? null : d.moments();
    }

    @Override
    public Metrics.Cost cost(String domain, String opType) {
        OpDefinition d = definition(domain, opType);
        return d == null ? null : d.cost();
    }

    @Override
    public boolean free(String domain, String opType) {
        OpDefinition d = definition(domain, opType);
        return d != null && d.isFree();
    }
}
