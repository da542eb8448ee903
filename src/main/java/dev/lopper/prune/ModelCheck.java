package dev.lopper.prune;

/** Checks a rewritten model (serialized ONNX bytes) against the original. */
@FunctionalInterface
public interface ModelCheck {
    Verification verify(byte[] model);
}
