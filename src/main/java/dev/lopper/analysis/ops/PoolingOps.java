package dev.lopper.analysis.ops;

import static dev.lopper.analysis.ops.OpCategory.*;
import static dev.lopper.analysis.ops.OpDefinition.MS;
import static dev.lopper.analysis.ops.OpDefinition.ops;
import static dev.lopper.analysis.ops.OpDefinition.opsIn;

import java.util.List;

import dev.lopper.analysis.rules.*;
import dev.lopper.graph.Metrics;

/** Pools (one MAC per window element read; global pools: input elements) and resampling (free). */
final class PoolingOps {
    private PoolingOps() {}

    static List<OpDefinition> definitions() {
        return List.of(
                ops("MaxPool").rule(new PoolRule()).cost(Metrics::pool).category(POOL).moments(MomentView.MAX_POOL),
                ops("AveragePool").rule(new PoolRule()).cost(Metrics::pool).category(POOL).moments(MomentView.AVERAGE_POOL),
                ops("LpPool").rule(new PoolRule()).cost(Metrics::pool).category(POOL),
                ops("GlobalAveragePool").rule(new GlobalPoolRule()).cost(Metrics.ELEMENTS_IN).category(POOL)
                        .moments(MomentView.GLOBAL_AVERAGE_POOL),
                ops("GlobalMaxPool").rule(new GlobalPoolRule()).cost(Metrics.ELEMENTS_IN).category(POOL)
                        .moments(MomentView.GLOBAL_MAX_POOL),
                ops("GlobalLpPool").rule(new GlobalPoolRule()).cost(Metrics.ELEMENTS_IN).category(POOL),
                ops("Resize", "Upsample").rule(new ResizeRule()).free().category(POOL),
                ops("DepthToSpace", "SpaceToDepth").free().category(POOL),
                ops("MaxRoiPool", "RoiAlign", "MaxUnpool").category(POOL));
    }
}
