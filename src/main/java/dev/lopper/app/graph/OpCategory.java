package dev.lopper.app.graph;

import java.util.HashMap;
import java.util.Map;

/**
 * Colour families for drawing nodes, looked up from one table by op type (unknown ops are OTHER).
 * The colours themselves come from CSS ({@code -lopper-op-<name>}), see lopper.css.
 */
public enum OpCategory {
    CONV("conv"), LINEAR("linear"), NORM("norm"), ACTIVATION("activation"), POOL("pool"),
    ELEMENTWISE("elementwise"), SHAPE("shape"), REDUCE("reduce"), CONSTANT("constant"), CONTROL("control"),
    IO("io"), OTHER("other");

    private final String cssName;

    OpCategory(String cssName) { this.cssName = cssName; }

    /** Name used in CSS variables and the legend. */
    public String cssName() { return cssName; }

    private static final Map<String, OpCategory> TABLE = new HashMap<>();

    private static void put(OpCategory c, String... ops) {
        for (String op : ops) TABLE.put(op, c);
    }

    static {
        put(CONV, "Conv", "ConvTranspose", "ConvInteger", "QLinearConv", "DeformConv");
        put(LINEAR, "Gemm", "MatMul", "MatMulInteger", "QLinearMatMul", "Einsum", "Attention", "MultiHeadAttention");
        put(NORM, "BatchNormalization", "InstanceNormalization", "LayerNormalization", "GroupNormalization",
                "LpNormalization", "MeanVarianceNormalization", "SimplifiedLayerNormalization",
                "SkipLayerNormalization", "RMSNormalization", "LRN");
        put(ACTIVATION, "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Gelu", "FastGelu",
                "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus", "Softsign", "Mish", "Clip",
                "ThresholdedRelu", "Erf", "BiasGelu", "QuickGelu", "Hardmax");
        put(POOL, "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool", "GlobalLpPool",
                "MaxRoiPool", "RoiAlign", "Resize", "Upsample", "MaxUnpool", "SpaceToDepth", "DepthToSpace");
        put(ELEMENTWISE, "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Exp", "Log", "Abs", "Neg", "Reciprocal",
                "Min", "Max", "Sum", "Mean", "Where", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
                "Not", "And", "Or", "Xor", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Mod", "Cast", "CastLike",
                "IsNaN", "IsInf", "BitShift");
        put(SHAPE, "Reshape", "Transpose", "Concat", "Split", "Slice", "Gather", "GatherElements", "GatherND",
                "Shape", "Size", "Unsqueeze", "Squeeze", "Flatten", "Expand", "Tile", "Pad", "Identity", "Dropout",
                "ScatterND", "ScatterElements", "Range", "NonZero", "OneHot", "Trilu", "CumSum", "TopK", "ArgMax",
                "ArgMin", "ConstantOfShape", "EyeLike", "Compress", "ReverseSequence");
        put(REDUCE, "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");
        put(CONSTANT, "Constant");
        put(CONTROL, "If", "Loop", "Scan", "LSTM", "GRU", "RNN", "QuantizeLinear", "DequantizeLinear",
                "DynamicQuantizeLinear");
    }

    public static OpCategory of(String opType) {
        return TABLE.getOrDefault(opType, OTHER);
    }
}
