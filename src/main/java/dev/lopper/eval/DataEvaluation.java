package dev.lopper.eval;

import dev.lopper.runtime.AccuracyAccumulator;
import dev.lopper.runtime.Batch;
import dev.lopper.runtime.BatchFeed;
import dev.lopper.runtime.Dataset;
import dev.lopper.runtime.EvalException;
import dev.lopper.runtime.EvalSession;
import dev.lopper.runtime.FidelityAccumulator;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.IntRange;
import dev.lopper.runtime.LatencyBenchmark;
import dev.lopper.runtime.RandomInputs;
import dev.lopper.runtime.ShapePolicy;

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
        return run(model, reference, data, batchSize, Long.MAX_VALUE, progress);
    }

    /**
     * As {@link #run(EvalSession, EvalSession, Dataset, int, Progress)} on at most {@code limit} samples. A model with a
     * fixed batch dim gets batches of exactly that size, the last one padded by repeating rows and the padding cut from
     * the outputs before they are scored (see {@link BatchFeed}).
     */
    public static DataEvalResult run(EvalSession model, EvalSession reference, Dataset data, int batchSize, long limit,
                                     Progress progress) {
        BatchFeed feed = BatchFeed.of(data, model.inputs(), model.label(), batchSize, limit);
        AccuracyAccumulator accuracy = data.hasLabels() ? new AccuracyAccumulator() : null;
        FidelityAccumulator fidelity = reference == null ? null : new FidelityAccumulator();
        String scored = null;
        BatchFeed.Item item;
        while ((item = feed.next()) != null) {
            progress.checkCancelled();
            Batch b = item.batch();
            Map<String, HostTensor> out = real(item, model.run(item.feed()));
            Map<String, HostTensor> ref = out == null || fidelity == null ? null : real(item, reference.run(item.feed()));
            if (out == null || (fidelity != null && ref == null)) {
                feed.drop(item);
                continue;
            }
            if (accuracy != null && b.hasLabels()) {
                if (scored == null) scored = pickClassifierOutput(model, out, data);
                accuracy.add(scored, out.get(scored), b.labels(), b.origins()::get);
            }
            if (fidelity != null) fidelity.add(ref, out);
            long samples = feed.samples(), total = feed.expected();
            progress.update("evaluated " + samples + " samples", samples, total > 0 ? total : samples);
        }
        if (feed.samples() == 0) throw new EvalException(data.source() + ": holds no samples");
        return new DataEvalResult(accuracy == null ? null : accuracy.result(), scored,
                fidelity == null ? null : fidelity.result(), feed.samples(), feed.summary());
    }

    /** The outputs without padding rows, or null when one cannot be cut. */
    private static Map<String, HostTensor> real(BatchFeed.Item item, Map<String, HostTensor> out) {
        if (!item.isPadded()) return out;
        Map<String, HostTensor> r = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : out.entrySet()) {
            HostTensor t = item.real(e.getValue());
            if (t == null) return null;
            r.put(e.getKey(), t);
        }
        return r;
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
