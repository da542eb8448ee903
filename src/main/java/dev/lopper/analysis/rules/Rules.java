package dev.lopper.analysis.rules;

import java.util.HashMap;
import java.util.Map;

import dev.lopper.analysis.OpRule;

/**
 * The one table of op rules: ONNX op type (default domain) → rule. An op missing here locks every group
 * it touches ("no rule for op 'GRU' at node 'gru_1'"); nothing is treated as elementwise by default.
 * If/Loop/Scan, ConvInteger, DepthToSpace and friends deliberately have no rule.
 */
public final class Rules {
    private Rules() {}

    private static final Map<String, OpRule> TABLE = new HashMap<>();

    private static void put(OpRule rule, String... ops) {
        for (String op : ops) TABLE.put(op, rule);
    }

    static {
        put(new ConvRule(), "Conv");
        put(new ConvTransposeRule(), "ConvTranspose");
        put(new GemmRule(), "Gemm");
        put(new MatMulRule(), "MatMul");
        put(new EinsumRule(), "Einsum");
        put(new BatchNormalizationRule(), "BatchNormalization");
        put(new InstanceNormalizationRule(), "InstanceNormalization");
        put(new LayerNormalizationRule(), "LayerNormalization", "RMSNormalization");
        put(new GroupNormalizationRule(), "GroupNormalization");
        put(new LrnRule(), "LRN");
        put(new ElementwiseRule(), "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean",
                "PRelu", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Mod");
        put(new WhereRule(), "Where");
        put(new UnaryRule(), "Relu", "Sigmoid", "Tanh", "Erf", "Gelu", "HardSigmoid", "HardSwish", "LeakyRelu", "Elu",
                "Selu", "Celu", "Softplus", "Softsign", "Exp", "Log", "Abs", "Neg", "Sqrt", "Reciprocal", "Clip", "Cast",
                "CastLike", "Identity", "Dropout", "Not", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Tan", "Mish",
                "ThresholdedRelu", "IsNaN", "IsInf", "Shrink", "Swish");
        put(new SoftmaxRule(), "Softmax", "LogSoftmax", "Hardmax");
        put(new PoolRule(), "MaxPool", "AveragePool", "LpPool");
        put(new GlobalPoolRule(), "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool");
        put(new ResizeRule(), "Resize", "Upsample");
        put(new PadRule(), "Pad");
        put(new ReduceRule(), "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin");
        put(new ConcatRule(), "Concat");
        put(new SplitRule(), "Split");
        put(new SliceRule(), "Slice");
        put(new FlattenRule(), "Flatten");
        put(new ReshapeRule(), "Reshape");
        put(new TransposeRule(), "Transpose");
        put(new SqueezeRule(), "Squeeze");
        put(new UnsqueezeRule(), "Unsqueeze");
        put(new GatherRule(), "Gather");
        put(new ShapeRule(), "Shape");
        put(new ConstantRule(), "Constant");
        put(new ConstantOfShapeRule(), "ConstantOfShape");
        put(new ExpandRule(), "Expand");
        put(new TileRule(), "Tile");
        put(new RangeRule(), "Range");
        put(new RecurrentRule(), "LSTM", "GRU", "RNN");
        put(new QuantizeLinearRule(), "QuantizeLinear", "DequantizeLinear");
        put(new DynamicQuantizeLinearRule(), "DynamicQuantizeLinear");
        put(new QLinearConvRule(), "QLinearConv");
        put(new QLinearMatMulRule(), "QLinearMatMul");
        put(new MatMulIntegerRule(), "MatMulInteger");
    }

    /** The rule for an op of the default ONNX domain, or null. */
    public static OpRule forOp(String domain, String opType) {
        if (domain != null && !domain.isEmpty() && !domain.equals("ai.onnx")) return null;
        return TABLE.get(opType);
    }

    /** Op types that have a rule. */
    public static java.util.Set<String> supportedOps() { return java.util.Collections.unmodifiableSet(TABLE.keySet()); }
}
