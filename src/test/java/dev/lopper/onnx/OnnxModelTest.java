package dev.lopper.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.onnx.proto.Onnx.TensorProto;

class OnnxModelTest {
    @TempDir
    Path dir;

    @Test
    void rawDataAliasesTheMemoryMapInsteadOfTheHeap() throws Exception {
        OnnxModel m = ModelReader.read(TestModels.write(dir, "m.onnx", TestModels.model(TestModels.mlp().build())));
        TensorProto w1 = m.proto().getGraph().getInitializer(0);
        ByteBuffer b = w1.getRawData().asReadOnlyByteBuffer();
        assertTrue(b.isDirect(), "raw_data should be a window of the file's memory map, not a heap copy");
        assertTrue(m.rawBytes(w1).isDirect());
        assertArrayEquals(TestModels.ramp(32, 0.125f), m.tensor(w1).toFloatArray());
    }

    @Test
    void externalBytesAndFiles() throws Exception {
        OnnxModel m = ModelReader.read(TestModels.writeExternal(dir, "e.onnx", "w.bin"));
        TensorProto b1 = m.proto().getGraph().getInitializer(1);
        assertEquals(32, m.rawBytes(b1).remaining());
        assertArrayEquals(TestModels.ramp(8, 0.5f), m.tensor(b1).toFloatArray());
        assertEquals(java.util.Set.of(dir.resolve("w.bin").toAbsolutePath().normalize()), m.externalDataFiles());
        assertEquals(dir.resolve("w.bin").toAbsolutePath().normalize(), m.externalFile(b1));
        TensorProto.Builder typed = TensorProto.newBuilder().setName("t").setDataType(1).addDims(1).addFloatData(2f);
        assertNull(m.rawBytes(typed.build()));
    }
}
