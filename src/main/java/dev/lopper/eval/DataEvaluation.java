package dev.lopper.eval;

import java.util.List;
import java.util.Map;

import dev.lopper.task.Progress;

/**
 * Streams a data set through a model (and, when given, a reference model on the same batches): accuracy
 * when the data has labels, fidelity when there is a reference.
 */
public final class DataEvaluation {
    private DataEvaluation() {}

    /**
     * @param reference the original model to compare against, or null
     * @param batchSize samples per run; an input whose dim 0 is fixed overrides it
     */
    public static DataEvalResult run(EvalSession model, EvalSession reference, Dataset data, int batchSize, Progress progress) {
        int batch = effectiveBatch(model, batchSize);
        AccuracyAccumulator accuracy = data.hasLabels() ? new AccuracyAccumulator() : null;
        FidelityAccumulator fidelity = reference == null ? null : new FidelityAccumulator();
        String scored = null;
        long samples = 0;
        long total = data.sampleCount();
        Batch b;
        while ((b = data.next(batch)) != null) {
            progress.checkCancelled();
            checkFixedBatch(model, b, data);
            Map<String, HostTensor> out = model.run(b.inputs());
            if (accuracy != null && b.hasLabels()) {
                if (scored == null) scored = pickClassifierOutput(model, out, data);
                Batch current = b;
                accuracy.add(scored, out.get(scored), b.labels(), current.origins()::get);
            }
            if (fidelity != null) fidelity.add(reference.run(b.inputs()), out);
            samples += b.size();
            progress.update("evaluated " + samples + " samples", samples, total > 0 ? total : samples);
        }
        if (samples == 0) throw new EvalException(data.source() + ": holds no samples");
        return new DataEvalResult(accuracy == null ? null : accuracy.result(), scored,
                fidelity == null ? null : fidelity.result(), samples);
    }

    /**
     * Fidelity of {@code model} against {@code reference} on {@code batches} seeded random batches
     * ({@code ints} null: integer ranges inferred from the reference, see {@link RandomInputs#forSession}).
     */
    public static DataEvalResult randomFidelity(EvalSession model, EvalSession reference, ShapePolicy shapes, IntRange ints,
                                                long seed, int batches, Progress progress) {
        FidelityAccumulator fidelity = new FidelityAccumulator();
        long samples = 0;
        for (int i = 0; i < batches; i++) {
            progress.checkCancelled();
            Map<String, HostTensor> in = RandomInputs.forSession(reference, shapes, ints, seed + i);
            fidelity.add(reference.run(in), model.run(in));
            samples += LatencyBenchmark.batchOf(in);
            progress.update("compared " + (i + 1) + " random batches", i + 1, batches);
        }
        return new DataEvalResult(null, null, fidelity.result(), samples);
    }

    static int effectiveBatch(EvalSession model, int batchSize) {
        for (TensorSpec s : model.inputs()) {
            if (s.rank() > 0 && s.dims()[0] > 0) return (int) s.dims()[0];
        }
        return batchSize;
    }

    private static void checkFixedBatch(EvalSession model, Batch b, Dataset data) {
        for (TensorSpec s : model.inputs()) {
            if (s.rank() > 0 && s.dims()[0] > 0 && s.dims()[0] != b.size()) {
                throw new EvalException(model.label() + ": input '" + s.name() + "' has a fixed batch of " + s.dims()[0]
                        + ", but the last batch of " + data.source() + " has " + b.size()
                        + " samples (use a sample count that is a multiple of it)");
            }
        }
    }

    /** The first output shaped [N, classes]. */
    static String pickClassifierOutput(EvalSession model, Map<String, HostTensor> out, Dataset data) {
        for (Map.Entry<String, HostTensor> e : out.entrySet()) {
            if (FidelityAccumulator.isClassifierOutput(e.getValue())) return e.getKey();
        }
        List<String> shapes = out.entrySet().stream()
                .map(e -> e.getKey() + " " + HostTensor.shapeText(e.getValue().shape())).toList();
        throw new EvalException(data.source() + " has labels, but no output of " + model.label()
                + " has shape [N, classes] (outputs: " + String.join(", ", shapes) + "); use --label-column none");
    }
}
