package dev.lopper.prune.latency;

import dev.lopper.onnx.proto.Onnx.ModelProto;

/** Something the latency table times at channel counts: one layer ({@link LayerSpec}) or a chain ({@link LayerChain}). */
public interface Timed {
    /** Everything the latency depends on; equal signatures share one measurement. */
    String signature();

    /** A runnable model of it with the group's channel count {@code n}. */
    ModelProto model(int n);
}
