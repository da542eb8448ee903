package dev.lopper.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Recognizes files people mistake for ONNX models by their first bytes, to name them in the error. */
final class KnownFormats {
    private KnownFormats() {}

    /** A short description of what the file is, or null when it is not one of the known formats. */
    static String sniff(Path file) {
        byte[] h = new byte[16];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(h, 0, h.length);
        } catch (IOException e) {
            return null;
        }
        if (n >= 4 && h[0] == 'P' && h[1] == 'K' && h[2] == 3 && h[3] == 4) {
            return "it is a ZIP archive, e.g. a PyTorch checkpoint; export it with torch.onnx.export";
        }
        if (n >= 8 && ascii(h, 4, 4).equals("ORTM")) return "it is an ONNX Runtime .ort file; Lopper reads .onnx files";
        if (n >= 8 && ascii(h, 4, 4).equals("TFL3")) return "it is a TensorFlow Lite model";
        if (n >= 4 && (h[0] & 0xff) == 0x89 && ascii(h, 1, 3).equals("HDF")) return "it is an HDF5 file, e.g. a Keras model";
        if (n >= 9 && h[8] == '{' && h[6] == 0 && h[7] == 0) return "it looks like a safetensors file";
        if (n >= 2 && (h[0] & 0xff) == 0x80 && h[1] >= 2 && h[1] <= 5) return "it is a Python pickle";
        if (n >= 1 && (h[0] == '{' || h[0] == '[')) return "it looks like a JSON file";
        if (n >= 6 && ascii(h, 0, 5).equals("ir_ve")) return "it is ONNX text format, not the binary protobuf";
        return null;
    }

    private static String ascii(byte[] b, int off, int len) {
        return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }
}
