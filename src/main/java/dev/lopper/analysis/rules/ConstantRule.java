package dev.lopper.analysis.rules;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.OpRule;
import dev.lopper.graph.Node;
import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/** Constant: its value becomes a constant tensor (sliceable like an initializer). */
public final class ConstantRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        TensorProto value = null;
        for (AttributeProto a : n.attributes().values()) {
            switch (a.getName()) {
                case "value" -> value = a.getT();
                case "value_float" -> value = TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(a.getF()).build();
                case "value_floats" -> value = TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .addDims(a.getFloatsCount()).addAllFloatData(a.getFloatsList()).build();
                case "value_int" -> value = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(a.getI()).build();
                case "value_ints" -> value = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE)
                        .addDims(a.getIntsCount()).addAllInt64Data(a.getIntsList()).build();
                default -> { }
            }
        }
        if (value == null) throw new RuleFailure("Constant without a dense value at node '" + n.name() + "'");
        if (!ctx.isConstant(n.output(0))) ctx.defineConstant(n.output(0), value, n);
        ctx.dims(n.output(0));
    }
}
