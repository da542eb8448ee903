package dev.lopper.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MessagesTest {
    @Test
    void controlCharactersAreEscaped() {
        assertEquals("a\\nb\\r\\tc\\u0007…", Messages.printable("a\nb\r\tc\u0007dddd", 12));
        assertEquals("plain", Messages.oneLine("plain"));
    }

    @Test
    void onnxRuntimeInternalsAreDropped() {
        assertEquals("Load model from m.onnx failed: Unsupported model IR version: 99, max supported IR version: 10",
                Messages.ort("[ONNXRuntimeError] : 1 : FAIL : Load model from m.onnx failed:/onnxruntime_src/onnxruntime/core/graph/"
                        + "model.cc:180 onnxruntime::Model::Model(onnx::ModelProto&&) Unsupported model IR version: 99, max supported IR version: 10"));
        String conv = Messages.ort("Error code - ORT_FAIL - message: Non-zero status code returned while running Conv node. Name:'c1' "
                + "Status Message: /onnxruntime_src/onnxruntime/core/providers/cpu/nn/conv.cc:12 virtual onnxruntime::Status "
                + "onnxruntime::Conv<float>::Compute(onnxruntime::OpKernelContext*) const Invalid group");
        org.junit.jupiter.api.Assertions.assertTrue(conv.startsWith("Non-zero status code") && conv.endsWith("Name:'c1' Invalid group")
                && !conv.contains("onnxruntime_src") && !conv.contains("Compute("), conv);
        assertEquals("Integer overflow", Messages.ort("/onnxruntime_src/include/onnxruntime/core/common/safeint.h:17 static void "
                + "SafeIntExceptionHandler<onnxruntime::OnnxRuntimeException>::SafeIntOnOverflow() Integer overflow"));
    }
}
