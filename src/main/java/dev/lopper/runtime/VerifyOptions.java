package dev.lopper.runtime;

/**
 * How {@link ModelVerifier} runs the two models.
 *
 * @param ints      range of random integer inputs; null infers it per input (see {@link RandomInputs#forSession})
 * @param timedRuns runs per model whose median is reported (after one warm-up run)
 */
public record VerifyOptions(SessionConfig session, ShapePolicy shapes, IntRange ints, long seed, int timedRuns) {
    public static final VerifyOptions DEFAULT =
            new VerifyOptions(SessionConfig.DEFAULT, ShapePolicy.DEFAULT, null, RandomInputs.DEFAULT_SEED, 3);
}
