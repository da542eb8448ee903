package dev.lopper.analysis.ops;

import static dev.lopper.analysis.ops.OpCategory.*;
import static dev.lopper.analysis.ops.OpDefinition.MS;
import static dev.lopper.analysis.ops.OpDefinition.ops;
import static dev.lopper.analysis.ops.OpDefinition.opsIn;

import java.util.List;

import dev.lopper.analysis.rules.*;
import dev.lopper.graph.Metrics;

/** Normalizations: 1 MAC per output element (the scale-and-shift an engine folds them into). */
final class NormalizationOps {
    private NormalizationOps() {}

    static List<OpDefinition> definitions() {
        return List.of(
                ops("BatchNormalization").rule(new BatchNormalizationRule()).cost(Metrics.ELEMENTS_OUT).category(NORM)
                        .moments(MomentView.NORM_BATCH),
                ops("InstanceNormalization").rule(new InstanceNormalizationRule()).cost(Metrics.ELEMENTS_OUT).category(NORM)
                        .moments(MomentView.NORM_INSTANCE),
                ops("LayerNormalization").rule(new LayerNormalizationRule()).cost(Metrics.ELEMENTS_OUT).category(NORM)
                        .moments(MomentView.NORM_LAYER),
                ops("RMSNormalization").rule(new LayerNormalizationRule()).cost(Metrics.ELEMENTS_OUT).category(NORM),
                ops("GroupNormalization").rule(new GroupNormalizationRule()).cost(Metrics.ELEMENTS_OUT).category(NORM),
                ops("LRN").rule(new LrnRule()).cost(Metrics.ELEMENTS_OUT).category(NORM),
                ops("LpNormalization", "MeanVarianceNormalization").cost(Metrics.ELEMENTS_OUT).category(NORM),
                ops("SimplifiedLayerNormalization").category(NORM),
                opsIn(MS, "SkipLayerNormalization").cost(Metrics.ELEMENTS_OUT).category(NORM));
    }
}
