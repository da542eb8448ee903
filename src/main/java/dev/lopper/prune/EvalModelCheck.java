package dev.lopper.prune;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.lopper.runtime.EvalException;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.ModelVerifier;
import dev.lopper.runtime.OutputCheck;
import dev.lopper.runtime.OutputFidelity;
import dev.lopper.runtime.VerificationResult;
import dev.lopper.runtime.VerifyOptions;

/**
 * {@link ModelCheck} through the eval package's {@link ModelVerifier}: original and candidate run in ONNX Runtime
 * on the same seeded inputs; the candidate must load, run, keep inputs and outputs, each output's shape, and be
 * finite where the original is.
 */
public final class EvalModelCheck implements ModelCheck {
    private final ModelSource original;
    private final Path externalDataDir;
    private final VerifyOptions options;

    /**
     * @param original        the original model
     * @param externalDataDir where the candidate's external data (if any) resolves, usually the original's folder
     * @param options         sessions, input shapes, seed (timed runs are forced to 0: verification does not time)
     */
    public EvalModelCheck(ModelSource original, Path externalDataDir, VerifyOptions options) {
        this(original, null, externalDataDir, options, java.util.Set.of());
    }

    /** @param resizable inputs and outputs that may change shape (a decoder's KV cache, {@link dev.lopper.graph.KvCache}) */
    public EvalModelCheck(ModelSource original, Path externalDataDir, VerifyOptions options, java.util.Set<String> resizable) {
        this(original, null, externalDataDir, options, resizable);
    }

    private final java.util.Set<String> resizable;

    /**
     * With the original's side prepared ahead (see {@link ModelVerifier#prefetch}); it stays open for every
     * candidate of this check, and is closed by whoever made it.
     */
    public EvalModelCheck(ModelVerifier.Prefetch reference, Path externalDataDir) {
        this(reference, externalDataDir, java.util.Set.of());
    }

    /** As {@link #EvalModelCheck(ModelVerifier.Prefetch, Path)}, with inputs and outputs that may change shape. */
    public EvalModelCheck(ModelVerifier.Prefetch reference, Path externalDataDir, java.util.Set<String> resizable) {
        this(null, reference, externalDataDir, reference.options(), resizable);
    }

    private EvalModelCheck(ModelSource original, ModelVerifier.Prefetch reference, Path externalDataDir, VerifyOptions options,
                           java.util.Set<String> resizable) {
        this.resizable = java.util.Set.copyOf(resizable);
        this.original = original;
        this.reference = reference;
        this.externalDataDir = externalDataDir;
        this.options = noTiming(options);
    }

    private final ModelVerifier.Prefetch reference;

    /** Verification does not time: timed runs forced to 0. */
    public static VerifyOptions noTiming(VerifyOptions options) {
        return new VerifyOptions(options.session(), options.shapes(), options.ints(), options.seed(), 0);
    }

    @Override
    public Verification verify(byte[] model) {
        VerificationResult r;
        try {
            ModelSource candidate = ModelSource.of(model, externalDataDir, "pruned model");
            r = reference != null ? ModelVerifier.verify(reference.get(), candidate, options, resizable)
                    : ModelVerifier.verify(original, candidate, options, resizable);
        } catch (EvalException e) {
            throw new PlanException("cannot verify: the original model does not run in ONNX Runtime (" + e.getMessage() + ")", e);
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (OutputCheck c : r.outputs()) if (c.actualShape() != null) shapes.put(c.name(), c.actualShape());
        Map<String, Double> diffs = new LinkedHashMap<>(), rel = new LinkedHashMap<>(), cos = new LinkedHashMap<>();
        for (OutputFidelity f : r.fidelity()) {
            diffs.put(f.output(), f.maxAbs());
            rel.put(f.output(), f.relL2());
            cos.put(f.output(), f.cosine());
        }
        return new Verification(r.ok(), r.error(), shapes, diffs, rel, cos);
    }
}
