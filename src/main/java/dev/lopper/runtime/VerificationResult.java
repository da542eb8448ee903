package dev.lopper.runtime;

import java.util.List;

/**
 * Outcome of {@link ModelVerifier#verify}.
 *
 * @param ok          the candidate loads, runs, and every output has the original's name and shape and is finite
 *                    wherever the original's is
 * @param error       why not, one line; null when ok
 * @param outputs     per-output checks (empty when the candidate did not run)
 * @param originalMs  median run time of the original on the verification inputs (NaN if it did not run)
 * @param candidateMs median run time of the candidate (NaN if it did not run)
 * @param fidelity    candidate vs original on the same inputs (empty when shapes differ or it did not run)
 */
public record VerificationResult(boolean ok, String error, List<OutputCheck> outputs, double originalMs,
                                 double candidateMs, List<OutputFidelity> fidelity) {
    static VerificationResult failed(String error, List<OutputCheck> outputs, double originalMs, double candidateMs) {
        return new VerificationResult(false, error, outputs, originalMs, candidateMs, List.of());
    }
}
