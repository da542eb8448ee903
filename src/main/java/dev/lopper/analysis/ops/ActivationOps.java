package dev.lopper.analysis.ops;

import static dev.lopper.analysis.ops.OpCategory.*;
import static dev.lopper.analysis.ops.OpDefinition.MS;
import static dev.lopper.analysis.ops.OpDefinition.ops;
import static dev.lopper.analysis.ops.OpDefinition.opsIn;

import java.util.List;

import dev.lopper.analysis.rules.*;
import dev.lopper.graph.Metrics;

/** Activations: elementwise, 1 MAC per output element; moments through Gaussian integrals of the function. */
final class ActivationOps {
    private ActivationOps() {}

    static List<OpDefinition> definitions() {
        return List.of(
                ops("Relu").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION).moments(MomentView.RELU),
                ops("LeakyRelu").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION).moments(MomentView.LEAKY_RELU),
                ops("Clip").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION).moments(MomentView.CLIP),
                ops("Sigmoid").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION).moments(MomentView.SIGMOID),
                ops("Tanh").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION).moments(MomentView.TANH),
                ops("Gelu").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION).moments(MomentView.GELU),
                ops("Elu").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION).moments(MomentView.ELU),
                ops("Softplus").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION).moments(MomentView.SOFTPLUS),
                ops("HardSigmoid").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION)
                        .moments(MomentView.HARD_SIGMOID),
                ops("HardSwish").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION).moments(MomentView.HARD_SWISH),
                ops("Mish").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION).moments(MomentView.MISH),
                ops("Swish").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).moments(MomentView.SILU),
                ops("Silu").moments(MomentView.SILU),
                ops("Celu", "Erf", "Selu", "Softsign", "ThresholdedRelu").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT)
                        .category(ACTIVATION),
                ops("PRelu").rule(new ElementwiseRule()).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION),
                ops("Softmax", "LogSoftmax", "Hardmax").rule(new SoftmaxRule()).cost(Metrics.ELEMENTS_OUT).category(ACTIVATION),
                opsIn(MS, "Gelu", "BiasGelu", "FastGelu", "QuickGelu").cost(Metrics.ELEMENTS_OUT).category(ACTIVATION));
    }
}
