package dev.lopper.prune.obspa;

import java.nio.file.Path;
import java.util.Map;

import dev.lopper.runtime.ModelSource;
import dev.lopper.importance.Weights;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.WeightCompensation;
import dev.lopper.task.Progress;

/**
 * OBSPA for a {@link PruningSession}: the source of input moments the criterion scores with, and the compensation
 * step the session runs before slicing.
 * <pre>
 * GraphObspaSource src = Obspa.source(session, calibrationCsvOrNull, Map.of(), ObsLayer.DEFAULT_DAMPING, progress);
 * ScoringOptions so = new ScoringOptions(Criterion.OBSPA, null, null, 0, src, false);
 * session.setCompensation(Obspa.compensation(session, src));
 * </pre>
 */
public final class Obspa {
    private Obspa() {}

    /**
     * Data-free moments, plus calibration moments when {@code calibration} (a CSV / npy / npz / image folder the
     * eval package reads) is given.
     */
    public static GraphObspaSource source(PruningSession s, Path calibration, Map<String, long[]> inputShapes,
                                          double damping, Progress progress) {
        return source(s, calibration, inputShapes, damping, MomentModel.DEFAULT, progress);
    }

    /** As {@link #source(PruningSession, Path, Map, double, Progress)} with the data-free moment model chosen. */
    public static GraphObspaSource source(PruningSession s, Path calibration, Map<String, long[]> inputShapes,
                                          double damping, MomentModel model, Progress progress) {
        return source(s, calibration == null ? null : dev.lopper.runtime.CalibrationData.of(calibration, inputShapes), damping,
                model, progress);
    }

    /** As above, calibration moments on at most {@code calibration.maxSamples()} samples (null: data-free only). */
    public static GraphObspaSource source(PruningSession s, dev.lopper.runtime.CalibrationData calibration, double damping,
                                          Progress progress) {
        return source(s, calibration, damping, MomentModel.DEFAULT, progress);
    }

    /** Data-free moments of {@code model}, plus calibration moments on {@code calibration} when given. */
    public static GraphObspaSource source(PruningSession s, dev.lopper.runtime.CalibrationData calibration, double damping,
                                          MomentModel model, Progress progress) {
        GraphObspaSource dataFree = dataFreeSource(s.graph(), damping, model, progress);
        if (calibration == null) return dataFree;
        ConsumerResolver resolver = dataFree.resolver();
        DataFreeMoments df = dataFree.dataFreeMoments();
        CalibratedMoments.Result r = CalibratedMoments.capture(ModelSource.of(s.path()), resolver, s.groups(), calibration, progress);
        return new GraphObspaSource(resolver, df, dataFree.fullMoments(), r.moments(), damping,
                "calibration moments (" + r.feed().describe() + (r.weighted() == 0 ? "" : "; " + r.weighted() + " layer"
                        + (r.weighted() == 1 ? "" : "s") + " writing into a LayerNorm weighted per position by its scale")
                        + "; data-free where not captured)",
                new GraphObspaSource.Calibration(calibration.data(), calibration.inputShapes(), calibration.maxSamples()));
    }

    /** Moments propagated from the graph's normalization statistics alone (no data): what the app and the CLI use without calibration. */
    public static GraphObspaSource dataFreeSource(dev.lopper.graph.ModelGraph graph, double damping, Progress progress) {
        return dataFreeSource(graph, damping, MomentModel.DEFAULT, progress);
    }

    /** Data-free moments with the given model (diagonal, or full covariance with the diagonal where it is not derived). */
    public static GraphObspaSource dataFreeSource(dev.lopper.graph.ModelGraph graph, double damping, MomentModel model,
                                                  Progress progress) {
        progress.update("OBSPA: propagating moments", 0, 1);
        Weights w = Weights.of(graph);
        DataFreeMoments df;
        CovarianceMoments full = null;
        // the diagonal propagation reads only the graph and the weights: with the full one, on a thread beside it
        java.util.concurrent.FutureTask<DataFreeMoments> diagonal = new java.util.concurrent.FutureTask<>(() -> DataFreeMoments.of(graph, w));
        try {
            if (model == MomentModel.FULL) {
                Thread t = new Thread(diagonal, "lopper-moments");
                t.setDaemon(true);
                t.start();
                full = CovarianceMoments.of(graph, w);
            } else {
                diagonal.run();
            }
            df = await(diagonal);
        } finally {
            if (!diagonal.isDone()) {
                try {
                    diagonal.get(); // the weights are released after it
                } catch (Exception ignored) {
                    // the full propagation's failure is the one thrown
                }
            }
            w.clear();
        }
        if (full != null) progress.update("OBSPA: " + full.describeInputs(), 1, 1); // shown with --verbose
        return new GraphObspaSource(new ConsumerResolver(graph), df, full, Map.of(), damping,
                model == MomentModel.FULL ? "data-free moments (full covariance)" : "data-free moments (diagonal)", null);
    }

    /** The result of work on another thread: its exception rethrown as is, an interrupt as cancellation. */
    static <T> T await(java.util.concurrent.Future<T> f) {
        return dev.lopper.task.Futures.await(f, IllegalStateException::new);
    }

    /** The compensation step for a session; {@link Step#last()} tells what the latest application did. */
    public static Step compensation(PruningSession s, GraphObspaSource source) {
        return new Step(s, source);
    }

    /** The compensation step (remembers its latest result for reports). */
    public static final class Step implements WeightCompensation {
        private final PruningSession session;
        private final GraphObspaSource source;
        private volatile Compensation.Result last;

        Step(PruningSession session, GraphObspaSource source) {
            this.session = session;
            this.source = source;
        }

        @Override
        public dev.lopper.onnx.proto.Onnx.ModelProto apply(dev.lopper.onnx.proto.Onnx.ModelProto original, Map<String, int[]> kept) {
            Compensation.Result r = Compensation.apply(original, session.analysis(), source, kept);
            last = r;
            return r.model();
        }

        /** The latest result, or null before the first application. */
        public Compensation.Result last() { return last; }
    }
}
