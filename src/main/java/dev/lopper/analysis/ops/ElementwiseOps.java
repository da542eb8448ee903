package dev.lopper.analysis.ops;

import static dev.lopper.analysis.ops.OpCategory.*;
import static dev.lopper.analysis.ops.OpDefinition.MS;
import static dev.lopper.analysis.ops.OpDefinition.ops;
import static dev.lopper.analysis.ops.OpDefinition.opsIn;

import java.util.List;

import dev.lopper.analysis.rules.*;
import dev.lopper.graph.Metrics;

/** Elementwise arithmetic, comparisons and logic: 1 MAC per output element. */
final class ElementwiseOps {
    private ElementwiseOps() {}

    static List<OpDefinition> definitions() {
        return List.of(
                ops("Add").rule(new ElementwiseRule()).cost(Metrics.ELEMENTS_OUT).category(ELEMENTWISE).moments(MomentView.ADD),
                ops("Sub").rule(new ElementwiseRule()).cost(Metrics.ELEMENTS_OUT).category(ELEMENTWISE).moments(MomentView.SUB),
                ops("Mul").rule(new ElementwiseRule()).cost(Metrics.ELEMENTS_OUT).category(ELEMENTWISE).moments(MomentView.MUL),
                ops("Div").rule(new ElementwiseRule()).cost(Metrics.ELEMENTS_OUT).category(ELEMENTWISE).moments(MomentView.DIV),
                ops("Pow", "Max", "Min", "Sum", "Mean", "Mod", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
                        "And", "Or", "Xor").rule(new ElementwiseRule()).cost(Metrics.ELEMENTS_OUT).category(ELEMENTWISE),
                ops("Where").rule(new WhereRule()).cost(Metrics.ELEMENTS_OUT).category(ELEMENTWISE),
                ops("Abs", "Neg", "Sqrt", "Reciprocal", "Exp", "Log", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Not")
                        .rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).category(ELEMENTWISE),
                ops("Shrink").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT),
                ops("Tan").rule(new UnaryRule()),
                ops("Cast", "CastLike", "IsNaN", "IsInf").rule(new UnaryRule()).free().category(ELEMENTWISE),
                ops("BitShift").category(ELEMENTWISE));
    }
}
