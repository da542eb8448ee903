package dev.lopper.testutil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;


/**
 * A model where one group carries the signal and another is near-zero noise: y = A(x) + B(x), two hidden layers
 * of 32 ReLU units each; branch A's output weights are O(1), branch B's are 1e-3 of that. Both hidden groups
 * cost the same MACs per channel.
 */
public final class SignalNoiseModel {
    private SignalNoiseModel() {}

    public static final String SIGNAL = "g:a1/out";
    public static final String NOISE = "g:b1/out";

    public static Path write(Path dir) throws Exception {
        ModelBuilder b = ModelBuilder.create("signal_noise", 11);
        b.input("x", -1, 16);
        String a1 = b.gemm("a1", "x", 16, 32);
        String h = b.relu("a1/relu", a1);
        String a2 = b.gemm("a2", h, 32, 8);
        String b1 = b.gemm("b1", "x", 16, 32);
        String n = b.relu("b1/relu", b1);
        b.weightIn("b2.weight", -5e-4, 5e-4, 8, 32);
        b.weightIn("b2.bias", -5e-4, 5e-4, 8);
        String b2 = b.node("Gemm", "b2", List.of(n, "b2.weight", "b2.bias"), "transB", 1);
        String y = b.add("y", a2, b2);
        b.output(y);
        Path f = dir.resolve("signal_noise.onnx");
        Files.write(f, b.build().toByteArray());
        return f;
    }
}
