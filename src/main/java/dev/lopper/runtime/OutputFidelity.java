package dev.lopper.runtime;

/**
 * How closely a candidate's output matches the reference's over all compared elements.
 *
 * @param cosine        cosine similarity of the flattened outputs (1 when both are all zeros)
 * @param relL2         ‖candidate − reference‖₂ / ‖reference‖₂ (0 when both are zero, +∞ when only the reference is)
 * @param maxAbs        largest |candidate − reference|
 * @param top1Agreement fraction of rows whose argmax agrees, for classifier outputs of shape [N, C] with C > 1;
 *                      NaN otherwise
 * @param elements      elements compared
 * @param rows          rows compared for top-1 agreement (0 when not a classifier output)
 */
public record OutputFidelity(String output, double cosine, double relL2, double maxAbs, double top1Agreement,
                             long elements, long rows) {
    public boolean hasTop1Agreement() { return rows > 0; }
}
