package dev.lopper.analysis;

/**
 * A slice of a constant tensor (usually an initializer) that belongs to a group's channels:
 * along {@code axis} of {@code tensor}, root channel c owns the positions {@code map.indicesOf(c)}.
 * Importance criteria read these; the plan applier removes them.
 *
 * @param node   the node that uses the tensor
 * @param tensor the constant tensor's name
 * @param axis   the axis the channels lie on
 * @param map    root channel → positions
 * @param role   how the node uses this slice
 * @param copy   which copy of a shared constant (0 when not shared): a constant read by several nodes whose
 *               channels are independent is cloned per class of consumers when any of them loses channels
 * @param copies how many copies the constant gets when any is sliced (1 when not shared)
 */
public record ParamSlice(String node, String tensor, int axis, IndexMap map, Role role, int copy, int copies) {
    public ParamSlice(String node, String tensor, int axis, IndexMap map, Role role) {
        this(node, tensor, axis, map, role, 0, 1);
    }

    /** The key of the stored tensor this slice is taken from: the tensor, or one copy of a shared one. */
    public String storageKey() { return copies <= 1 ? tensor : tensor + "\u0000copy" + copy; }

    public enum Role {
        /** Weight rows that produce the channel (Conv out-channels, Gemm/MatMul output features). */
        PRODUCER_WEIGHT,
        /** Bias of the producing layer. */
        PRODUCER_BIAS,
        /** Weight columns that consume the channel (next Conv in-channels, Gemm/MatMul input features). */
        CONSUMER_WEIGHT,
        /** Normalization scale (BatchNorm gamma, LayerNorm gamma, InstanceNorm scale). */
        NORM_SCALE,
        /** Normalization shift (BatchNorm beta, LayerNorm beta). */
        NORM_BIAS,
        /** Normalization running mean (BatchNorm). */
        NORM_MEAN,
        /** Normalization running variance (BatchNorm). */
        NORM_VAR,
        /** Any other per-channel constant (PRelu slope, elementwise Mul/Add constants, depthwise weights). */
        PER_CHANNEL
    }
}
