package dev.lopper.analysis.ops;

import java.util.function.DoubleUnaryOperator;

/**
 * How activation moments (per-channel mean and variance or covariance) pass through an op: what the moment
 * propagators of OBSPA ({@code DataFreeMoments}, {@code CovarianceMoments}) dispatch on instead of op-type names.
 * A propagator may leave a kind out (the data-free one has no {@link Kind#GATHER} nor {@link Kind#UNSQUEEZE});
 * an op without a view has no moments, and its consumers fall back to identity.
 *
 * @param kind the propagation
 * @param fn   for {@link Kind#UNARY}: the elementwise function the Gaussian moments are integrated through; else null
 */
public record MomentView(Kind kind, DoubleUnaryOperator fn) {
    public enum Kind {
        /** BatchNormalization: mean β, variance γ² per channel. */
        NORM_BATCH,
        /** InstanceNormalization: as batch normalization. */
        NORM_INSTANCE,
        /** LayerNormalization over the last axis: mean β, variance γ² per feature. */
        NORM_LAYER,
        /** ReLU: the rectified-Gaussian closed form. */
        RELU,
        /** LeakyRelu with its alpha attribute. */
        LEAKY_RELU,
        /** Clip with its min / max inputs. */
        CLIP,
        /** A fixed elementwise function ({@link MomentView#fn}). */
        UNARY,
        /** Identity, Dropout at inference: moments unchanged. */
        PASS_THROUGH,
        ADD, SUB, MUL, DIV,
        MAX_POOL, AVERAGE_POOL, GLOBAL_AVERAGE_POOL, GLOBAL_MAX_POOL,
        FLATTEN,
        /** Reshape, Squeeze: re-indexed when the channel axis survives. */
        RESHAPE,
        /** Unsqueeze: a reshape for the covariance propagator. */
        UNSQUEEZE,
        TRANSPOSE, CONCAT,
        /** Conv with constant weights (a linear layer over channels x taps). */
        LINEAR_CONV,
        /** Gemm with a constant weight. */
        LINEAR_GEMM,
        /** MatMul with a constant right operand. */
        LINEAR_MATMUL,
        /** Gather of rows of a constant table (embeddings). */
        GATHER
    }

    private static MomentView of(Kind k) { return new MomentView(k, null); }

    /** A {@link Kind#UNARY} view of {@code fn}. */
    public static MomentView unary(DoubleUnaryOperator fn) { return new MomentView(Kind.UNARY, fn); }

    public static final MomentView NORM_BATCH = of(Kind.NORM_BATCH), NORM_INSTANCE = of(Kind.NORM_INSTANCE),
            NORM_LAYER = of(Kind.NORM_LAYER), RELU = of(Kind.RELU), LEAKY_RELU = of(Kind.LEAKY_RELU), CLIP = of(Kind.CLIP),
            PASS_THROUGH = of(Kind.PASS_THROUGH), ADD = of(Kind.ADD), SUB = of(Kind.SUB), MUL = of(Kind.MUL), DIV = of(Kind.DIV),
            MAX_POOL = of(Kind.MAX_POOL), AVERAGE_POOL = of(Kind.AVERAGE_POOL), GLOBAL_AVERAGE_POOL = of(Kind.GLOBAL_AVERAGE_POOL),
            GLOBAL_MAX_POOL = of(Kind.GLOBAL_MAX_POOL), FLATTEN = of(Kind.FLATTEN), RESHAPE = of(Kind.RESHAPE),
            UNSQUEEZE = of(Kind.UNSQUEEZE), TRANSPOSE = of(Kind.TRANSPOSE), CONCAT = of(Kind.CONCAT),
            LINEAR_CONV = of(Kind.LINEAR_CONV), LINEAR_GEMM = of(Kind.LINEAR_GEMM), LINEAR_MATMUL = of(Kind.LINEAR_MATMUL),
            GATHER = of(Kind.GATHER);

    /** Sigmoid; also recognised with its input as x · Sigmoid(x) = SiLU by the propagators. */
    public static final MomentView SIGMOID = unary(Activations::sigmoid);
    public static final MomentView SILU = unary(Activations::silu);
    public static final MomentView GELU = unary(Activations::gelu), TANH = unary(Math::tanh), ELU = unary(Activations::elu),
            SOFTPLUS = unary(Activations::softplus), HARD_SIGMOID = unary(Activations::hardSigmoid),
            HARD_SWISH = unary(Activations::hardSwish), MISH = unary(Activations::mish);

    /** True for a linear layer with a weight (Conv, Gemm, MatMul): what OBSPA compensates. */
    public boolean isLinearLayer() {
        return kind == Kind.LINEAR_CONV || kind == Kind.LINEAR_GEMM || kind == Kind.LINEAR_MATMUL;
    }
}
