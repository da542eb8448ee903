package dev.lopper.prune;

import java.util.Map;

import dev.lopper.onnx.proto.Onnx.ModelProto;

/**
 * A step before the plan applier slices channels away: moves the weights that survive so that the pruned model
 * stays close to the original (OBSPA's least-squares compensation, {@code dev.lopper.prune.obspa}).
 */
@FunctionalInterface
public interface WeightCompensation {
    /**
     * @param original the original model
     * @param kept     group id → sorted root channels kept
     * @return the original model with compensated constants (same dims), or {@code original} when nothing moved
     */
    ModelProto apply(ModelProto original, Map<String, int[]> kept);
}
