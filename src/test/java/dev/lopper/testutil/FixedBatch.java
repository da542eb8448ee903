package dev.lopper.testutil;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/** Exports with a fixed batch dim (torchvision's default), made from dynamic-batch test models. */
public final class FixedBatch {
    private FixedBatch() {}

    /** A copy of {@code model} whose inputs' and outputs' dim 0 is fixed to {@code n} (value_info dropped). */
    public static Path withFixedBatch(Path model, int n, Path out) throws Exception {
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(model));
        var g = m.getGraph().toBuilder().clearValueInfo();
        for (int i = 0; i < g.getInputCount(); i++) g.setInput(i, fix(g.getInput(i), n));
        for (int i = 0; i < g.getOutputCount(); i++) g.setOutput(i, fix(g.getOutput(i), n));
        Files.write(out, m.toBuilder().setGraph(g).build().toByteArray());
        return out;
    }

    private static ValueInfoProto fix(ValueInfoProto v, int n) {
        ValueInfoProto.Builder b = v.toBuilder();
        b.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0).clearDimParam().setDimValue(n);
        return b.build();
    }
}
