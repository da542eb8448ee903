package dev.lopper.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.lopper.onnx.proto.Onnx.TensorProto;

/** Tensors whose bytes are windows into the memory-mapped file decode the same through every accessor. */
class TensorDataMappedTest {
    @Test
    void floatDoubleAndLongViewsAgreeOnMappedInitializers() throws Exception {
        OnnxModel model = OnnxModel.read(Path.of("samples/digits_cnn.onnx"));
        int checked = 0;
        for (TensorProto t : model.proto().getGraph().getInitializerList()) {
            TensorData d = model.tensor(t);
            if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                float[] f = d.toFloatArray();
                double[] g = d.toDoubleArray();
                for (int i = 0; i < f.length; i++) assertEquals(f[i], (float) g[i], 0f, t.getName() + "[" + i + "]");
                for (float v : f) assertTrue(Math.abs(v) < 100, t.getName() + " has an implausible value " + v);
                checked++;
            } else if (t.getDataType() == TensorProto.DataType.INT64_VALUE) {
                long[] l = d.toLongArray();
                double[] g = d.toDoubleArray();
                for (int i = 0; i < l.length; i++) assertEquals(l[i], (long) g[i], t.getName());
            }
        }
        assertTrue(checked > 10, "expected the sample's float weights");
    }
}
