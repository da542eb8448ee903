package dev.lopper.analysis.ops;

import static dev.lopper.analysis.ops.OpCategory.*;
import static dev.lopper.analysis.ops.OpDefinition.MS;
import static dev.lopper.analysis.ops.OpDefinition.ops;
import static dev.lopper.analysis.ops.OpDefinition.opsIn;

import java.util.List;

import dev.lopper.analysis.rules.*;
import dev.lopper.graph.Metrics;

/** Matrix products: Gemm, MatMul (also activation x activation), Einsum; attention ops are only drawn. */
final class LinearOps {
    private LinearOps() {}

    static List<OpDefinition> definitions() {
        return List.of(
                ops("Gemm").rule(new GemmRule()).cost(Metrics::gemm).category(LINEAR).moments(MomentView.LINEAR_GEMM),
                ops("MatMul").rule(new MatMulRule()).cost(Metrics::matMul).category(LINEAR).moments(MomentView.LINEAR_MATMUL),
                ops("Einsum").rule(new EinsumRule()).cost(Metrics::einsum).category(LINEAR),
                ops("Attention", "MultiHeadAttention").category(LINEAR),
                opsIn(MS, "FusedMatMul").cost(Metrics::matMul));
    }
}
