package dev.lopper.app.graph;

import dev.lopper.analysis.ops.Ops;

/**
 * Colour families for drawing nodes: an op's category is its {@link dev.lopper.analysis.ops.OpCategory} (said in its
 * {@link dev.lopper.analysis.ops.OpDefinition}; unknown ops are OTHER), plus {@link #IO} for graph inputs and outputs.
 * The colours themselves come from CSS ({@code -lopper-op-<name>}), see lopper.css.
 */
public enum OpCategory {
    CONV("conv"), LINEAR("linear"), NORM("norm"), ACTIVATION("activation"), POOL("pool"),
    ELEMENTWISE("elementwise"), SHAPE("shape"), REDUCE("reduce"), CONSTANT("constant"), CONTROL("control"),
    IO("io"), OTHER("other");

    private final String cssName;

    OpCategory(String cssName) { this.cssName = cssName; }

    /** Name used in CSS variables and the legend. */
    public String cssName() { return cssName; }

    /** The drawing family of a core category (same name). */
    public static OpCategory of(dev.lopper.analysis.ops.OpCategory c) {
        return valueOf(c.name());
    }

    public static OpCategory of(String opType) {
        return of(Ops.category(opType));
    }
}
