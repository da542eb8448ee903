package dev.lopper.analysis.ops;

import static dev.lopper.analysis.ops.OpCategory.*;
import static dev.lopper.analysis.ops.OpDefinition.MS;
import static dev.lopper.analysis.ops.OpDefinition.ops;
import static dev.lopper.analysis.ops.OpDefinition.opsIn;

import java.util.List;

import dev.lopper.analysis.rules.*;
import dev.lopper.graph.Metrics;

/** Convolutions: MACs = output elements x C_in / group x kernel (transposed: input elements x C_out / group x kernel). */
final class ConvolutionOps {
    private ConvolutionOps() {}

    static List<OpDefinition> definitions() {
        return List.of(
                ops("Conv").rule(new ConvRule()).cost(Metrics::conv).category(CONV).moments(MomentView.LINEAR_CONV),
                ops("ConvTranspose").rule(new ConvTransposeRule()).cost(Metrics::convTranspose).category(CONV),
                ops("DeformConv").category(CONV),
                opsIn(MS, "FusedConv").cost(Metrics::conv));
    }
}
