package dev.lopper.analysis.ops;

import static dev.lopper.analysis.ops.OpCategory.*;
import static dev.lopper.analysis.ops.OpDefinition.MS;
import static dev.lopper.analysis.ops.OpDefinition.ops;
import static dev.lopper.analysis.ops.OpDefinition.opsIn;

import java.util.List;

import dev.lopper.analysis.rules.*;
import dev.lopper.graph.Metrics;

/** Quantized ops: costed as their float counterparts; (de)quantization 1 MAC per element. */
final class QuantizedOps {
    private QuantizedOps() {}

    static List<OpDefinition> definitions() {
        return List.of(
                ops("QuantizeLinear", "DequantizeLinear").rule(new QuantizeLinearRule()).cost(Metrics.ELEMENTS_OUT).category(CONTROL),
                ops("DynamicQuantizeLinear").rule(new DynamicQuantizeLinearRule()).cost(Metrics.ELEMENTS_OUT).category(CONTROL),
                ops("QLinearConv").rule(new QLinearConvRule()).cost(Metrics.qLinearConv()).category(CONV),
                ops("ConvInteger").cost(Metrics::conv).category(CONV),
                ops("QLinearMatMul").rule(new QLinearMatMulRule()).cost(Metrics.qLinearMatMul()).category(LINEAR),
                ops("MatMulInteger").rule(new MatMulIntegerRule()).cost(Metrics::matMul).category(LINEAR));
    }
}
