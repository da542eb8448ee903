package dev.lopper.analysis.ops;

import static dev.lopper.analysis.ops.OpCategory.*;
import static dev.lopper.analysis.ops.OpDefinition.MS;
import static dev.lopper.analysis.ops.OpDefinition.ops;
import static dev.lopper.analysis.ops.OpDefinition.opsIn;

import java.util.List;

import dev.lopper.analysis.rules.*;
import dev.lopper.graph.Metrics;

/** Control flow: costed by their bodies (If: the larger branch; Loop: x constant trips; Scan: x scanned length); no rule. */
final class ControlFlowOps {
    private ControlFlowOps() {}

    static List<OpDefinition> definitions() {
        return List.of(
                ops("If").cost(Metrics::ifCost).category(CONTROL),
                ops("Loop").cost(Metrics::loopCost).category(CONTROL),
                ops("Scan").cost(Metrics::scanCost).category(CONTROL));
    }
}
