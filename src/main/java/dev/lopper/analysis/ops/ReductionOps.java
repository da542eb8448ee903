package dev.lopper.analysis.ops;

import static dev.lopper.analysis.ops.OpCategory.*;
import static dev.lopper.analysis.ops.OpDefinition.MS;
import static dev.lopper.analysis.ops.OpDefinition.ops;
import static dev.lopper.analysis.ops.OpDefinition.opsIn;

import java.util.List;

import dev.lopper.analysis.rules.*;
import dev.lopper.graph.Metrics;

/** Reductions: 1 MAC per input element. */
final class ReductionOps {
    private ReductionOps() {}

    static List<OpDefinition> definitions() {
        return List.of(
                ops("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
                        "ReduceLogSumExp", "ReduceSumSquare").rule(new ReduceRule()).cost(Metrics.ELEMENTS_IN).category(REDUCE),
                ops("ArgMax", "ArgMin").rule(new ReduceRule()).cost(Metrics.ELEMENTS_IN).category(SHAPE),
                ops("TopK", "CumSum").cost(Metrics.ELEMENTS_IN).category(SHAPE));
    }
}
