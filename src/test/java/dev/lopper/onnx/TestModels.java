package dev.lopper.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.OperatorSetIdProto;
import dev.lopper.onnx.proto.Onnx.StringStringEntryProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorShapeProto;
import dev.lopper.onnx.proto.Onnx.TypeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/** Small models built in Java for the onnx package's tests. */
final class TestModels {
    private TestModels() {}

    static ValueInfoProto value(String name, int elemType, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(s)))
                .build();
    }

    static NodeProto node(String name, String op, String[] inputs, String... outputs) {
        NodeProto.Builder b = NodeProto.newBuilder().setName(name).setOpType(op);
        for (String i : inputs) b.addInput(i);
        for (String o : outputs) b.addOutput(o);
        return b.build();
    }

    static String[] in(String... names) { return names; }

    static ModelProto model(GraphProto g) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("lopper-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(g).build();
    }

    static float[] ramp(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (i - n / 2f) * scale;
        return v;
    }

    /** x[1,4] -> MatMul(W1[4,8]) -> Add(b1) -> Relu -> MatMul(W2[8,3]) -> y[1,3]; raw_data initializers. */
    static GraphProto.Builder mlp() {
        return GraphProto.newBuilder().setName("mlp")
                .addInput(value("x", 1, 1, 4))
                .addOutput(value("y", 1, 1, 3))
                .addInitializer(Tensors.ofFloats("W1", new long[] {4, 8}, ramp(32, 0.125f)))
                .addInitializer(Tensors.ofFloats("b1", new long[] {8}, ramp(8, 0.5f)))
                .addInitializer(Tensors.ofFloats("W2", new long[] {8, 3}, ramp(24, -0.25f)))
                .addNode(node("mm1", "MatMul", in("x", "W1"), "h"))
                .addNode(node("add1", "Add", in("h", "b1"), "hb"))
                .addNode(node("relu", "Relu", in("hb"), "r"))
                .addNode(node("mm2", "MatMul", in("r", "W2"), "y"));
    }

    static Path write(Path dir, String name, ModelProto m) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, m.toByteArray());
        return p;
    }

    static TensorProto external(TensorProto t, String location, long offset, long length) {
        TensorProto.Builder b = t.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)));
        if (length >= 0) {
            b.addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(Long.toString(length)));
        }
        return b.build();
    }

    /** The mlp with every initializer moved to {@code dataName} (packed back to back, no alignment). */
    static Path writeExternal(Path dir, String modelName, String dataName) throws IOException {
        GraphProto.Builder g = mlp();
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            long off = data.size();
            t.getRawData().writeTo(data);
            g.setInitializer(i, external(t, dataName, off, t.getRawData().size()));
        }
        Files.write(dir.resolve(dataName), data.toByteArray());
        return write(dir, modelName, model(g.build()));
    }
}
