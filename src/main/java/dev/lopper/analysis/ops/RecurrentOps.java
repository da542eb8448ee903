package dev.lopper.analysis.ops;

import static dev.lopper.analysis.ops.OpCategory.*;
import static dev.lopper.analysis.ops.OpDefinition.MS;
import static dev.lopper.analysis.ops.OpDefinition.ops;
import static dev.lopper.analysis.ops.OpDefinition.opsIn;

import java.util.List;

import dev.lopper.analysis.rules.*;
import dev.lopper.graph.Metrics;

/** Recurrent layers: seq x directions x batch x gates x hidden x (input + hidden) MACs. */
final class RecurrentOps {
    private RecurrentOps() {}

    static List<OpDefinition> definitions() {
        return List.of(
                ops("LSTM", "GRU", "RNN").rule(new RecurrentRule()).cost(Metrics::recurrent).category(CONTROL));
    }
}
