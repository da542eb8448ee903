package dev.lopper.analysis.ops;

import static dev.lopper.analysis.ops.OpCategory.*;
import static dev.lopper.analysis.ops.OpDefinition.MS;
import static dev.lopper.analysis.ops.OpDefinition.ops;
import static dev.lopper.analysis.ops.OpDefinition.opsIn;

import java.util.List;

import dev.lopper.analysis.rules.*;
import dev.lopper.graph.Metrics;

/** Data movement, shape computations and constants: free (0 MACs; only input 0 is data). */
final class ShapeOps {
    private ShapeOps() {}

    static List<OpDefinition> definitions() {
        return List.of(
                ops("Reshape").rule(new ReshapeRule()).free().category(SHAPE).moments(MomentView.RESHAPE),
                ops("Squeeze").rule(new SqueezeRule()).free().category(SHAPE).moments(MomentView.RESHAPE),
                ops("Unsqueeze").rule(new UnsqueezeRule()).free().category(SHAPE).moments(MomentView.UNSQUEEZE),
                ops("Flatten").rule(new FlattenRule()).free().category(SHAPE).moments(MomentView.FLATTEN),
                ops("Transpose").rule(new TransposeRule()).free().category(SHAPE).moments(MomentView.TRANSPOSE),
                ops("Concat").rule(new ConcatRule()).free().category(SHAPE).moments(MomentView.CONCAT),
                ops("Gather").rule(new GatherRule()).free().category(SHAPE).moments(MomentView.GATHER),
                ops("Identity").rule(new UnaryRule()).free().category(SHAPE).moments(MomentView.PASS_THROUGH),
                ops("Dropout").rule(new UnaryRule()).cost(Metrics.ELEMENTS_OUT).category(SHAPE).moments(MomentView.PASS_THROUGH),
                ops("Split").rule(new SplitRule()).free().category(SHAPE),
                ops("Slice").rule(new SliceRule()).free().category(SHAPE),
                ops("Pad").rule(new PadRule()).free().category(SHAPE),
                ops("Expand").rule(new ExpandRule()).free().category(SHAPE),
                ops("Tile").rule(new TileRule()).free().category(SHAPE),
                ops("Shape").rule(new ShapeRule()).free().category(SHAPE),
                ops("Range").rule(new RangeRule()).free().category(SHAPE),
                ops("ConstantOfShape").rule(new ConstantOfShapeRule()).free().category(SHAPE),
                ops("Constant").rule(new ConstantRule()).free().category(CONSTANT),
                ops("GatherElements", "GatherND", "ScatterND", "ScatterElements", "Size", "NonZero", "OneHot", "Trilu",
                        "EyeLike", "ReverseSequence").free().category(SHAPE),
                ops("Compress").category(SHAPE),
                ops("Scatter", "NonMaxSuppression").free());
    }
}
