package dev.lopper.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.lopper.runtime.ModelSource.BytesModel;
import dev.lopper.runtime.ModelSource.FileModel;
import dev.lopper.task.CancellationToken;
import dev.lopper.task.CancelledException;
import dev.lopper.task.TimeLimit;

/**
 * One ONNX Runtime session over a model, on the shared {@link OrtEnv}. Runs can be cancelled through a
 * {@link CancellationToken} ({@code RunOptions.setTerminate}): a run in progress stops and throws
 * {@link CancelledException}.
 */
public final class EvalSession implements AutoCloseable {
    /** ORT session config key: folder external data resolves against when a model is loaded from bytes. */
    static final String EXTERNAL_DATA_FOLDER_KEY = "session.model_external_initializers_file_folder_path";

    private final ModelSource source;
    private final SessionConfig config;
    private final OrtSession session;
    private final OrtSession.RunOptions runOptions;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private volatile boolean terminated;
    private boolean closed;

    private EvalSession(ModelSource source, SessionConfig config, OrtSession session, OrtSession.RunOptions runOptions)
            throws OrtException {
        this.source = source;
        this.config = config;
        this.session = session;
        this.runOptions = runOptions;
        this.inputs = specs(session.getInputInfo());
        this.outputs = specs(session.getOutputInfo());
    }

    public static EvalSession open(ModelSource source, SessionConfig config) {
        return open(source, config, null);
    }

    /** Opens a file the caller has already read with {@link dev.lopper.onnx.ModelReader} (its checks passed). */
    static EvalSession openChecked(FileModel source, SessionConfig config) {
        return open(source, config, null, true);
    }

    /** Opens a session; with {@code profilePrefix} non-null, ORT profiling writes to a file with that prefix. */
    static EvalSession open(ModelSource source, SessionConfig config, String profilePrefix) {
        return open(source, config, profilePrefix, false);
    }

    private static EvalSession open(ModelSource source, SessionConfig config, String profilePrefix, boolean checked) {
        if (source instanceof FileModel f && !checked) {
            // Lopper's checks first (regular file, structure, subgraph depth, external data inside the folder)
            try {
                dev.lopper.onnx.ModelReader.read(f.path());
            } catch (dev.lopper.onnx.ModelLoadException e) {
                throw new EvalException(e.getMessage(), e);
            }
        }
        OrtEnv.get(); // first: natives that cannot load are one line (EvalException), not a class-initialization error
        OrtSession session = null;
        try {
            // session creation cannot be interrupted; it runs under the time limit on a worker that is abandoned
            // (and its session closed when it finally ends) if the limit passes: a tiny model of nested If nodes
            // can keep ONNX Runtime busy for hours
            session = TimeLimit.call(source.label() + ": ONNX Runtime loading the model", () -> create(source, config, profilePrefix),
                    EvalSession::closeQuietly);
            return new EvalSession(source, config, session, new OrtSession.RunOptions());
        } catch (TimeLimit.ExceededException e) {
            throw new EvalException(e.getMessage(), e);
        } catch (OrtException e) {
            if (session != null) closeQuietly(session);
            throw new EvalException(source.label() + ": ONNX Runtime cannot load the model: "
                    + dev.lopper.onnx.Messages.ort(EvalException.firstLine(e.getMessage())), e);
        } catch (RuntimeException e) {
            if (session != null) closeQuietly(session);
            throw e;
        } catch (Exception e) {
            if (session != null) closeQuietly(session);
            throw new EvalException(source.label() + ": ONNX Runtime cannot load the model: "
                    + dev.lopper.onnx.Messages.ort(EvalException.firstLine(e.getMessage())), e);
        }
    }

    private static OrtSession create(ModelSource source, SessionConfig config, String profilePrefix) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(config.optimization().ortLevel());
            if (config.intraOpThreads() > 0) options.setIntraOpNumThreads(config.intraOpThreads());
            if (config.interOpThreads() > 0) options.setInterOpNumThreads(config.interOpThreads());
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            if (profilePrefix != null) options.enableProfiling(profilePrefix);
            if (source instanceof FileModel f) {
                return OrtEnv.get().createSession(f.path().toString(), options);
            } else if (source instanceof BytesModel b) {
                if (b.externalDataDir() != null) {
                    options.addConfigEntry(EXTERNAL_DATA_FOLDER_KEY, b.externalDataDir().toAbsolutePath().toString());
                }
                return OrtEnv.get().createSession(b.bytes(), options);
            }
            throw new IllegalArgumentException("unknown model source " + source.label());
        }
    }

    private static List<TensorSpec> specs(Map<String, NodeInfo> infos) {
        List<TensorSpec> out = new ArrayList<>();
        for (NodeInfo ni : infos.values()) {
            if (ni.getInfo() instanceof TensorInfo ti) {
                out.add(new TensorSpec(ni.getName(), HostTensor.onnxType(ti), ti.getShape(), ti.getDimensionNames()));
            } else {
                out.add(new TensorSpec(ni.getName(), 0, new long[0], new String[0]));
            }
        }
        return Collections.unmodifiableList(out);
    }

    public ModelSource source() { return source; }

    public String label() { return source.label(); }

    public SessionConfig config() { return config; }

    public List<TensorSpec> inputs() { return inputs; }

    public List<TensorSpec> outputs() { return outputs; }

    public List<String> outputNames() { return outputs.stream().map(TensorSpec::name).toList(); }

    private Map<String, IntRange> indexRanges;

    /** Ranges of integer inputs that index constant tables (see {@link IndexRangeInference}). */
    public synchronized Map<String, IntRange> indexRanges() {
        if (indexRanges == null) indexRanges = IndexRangeInference.infer(source.proto());
        return indexRanges;
    }

    /** Ends ORT profiling (sessions opened with a profile prefix) and returns the profile file. */
    String endProfiling() {
        try {
            return session.endProfiling();
        } catch (OrtException e) {
            throw new EvalException(label() + ": cannot end profiling: " + EvalException.firstLine(e.getMessage()), e);
        }
    }

    /** Stops runs (current and future) of this session when {@code token} is cancelled. */
    public void cancelOn(CancellationToken token) {
        token.onCancel(this::terminate);
    }

    /** Stops the run in progress and every later run. */
    public synchronized void terminate() {
        terminated = true;
        if (closed) return;
        try {
            runOptions.setTerminate(true);
        } catch (OrtException ignored) {
            // the session is closing
        }
    }

    public boolean isTerminated() { return terminated; }

    /** Runs the model and copies every output into Java memory (in the model's output order). */
    public Map<String, HostTensor> run(Map<String, HostTensor> feed) {
        try (PreparedInputs prepared = prepare(feed); OrtSession.Result result = runLimited(prepared)) {
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Map.Entry<String, OnnxValue> e : result) {
                if (e.getValue() instanceof OnnxTensor t) out.put(e.getKey(), HostTensor.fromOrt(e.getKey(), t));
                else throw new EvalException(label() + ": output '" + e.getKey() + "' is not a tensor ("
                        + e.getValue().getType() + ")");
            }
            return out;
        }
    }

    /** Runs on inputs already in ONNX Runtime memory; returns the wall time of the run in nanoseconds. */
    public long runNanos(PreparedInputs prepared) {
        try (TimeLimit.Watch w = TimeLimit.watch(this::stopRun)) {
            long t0 = System.nanoTime();
            OrtSession.Result r = runOrt(prepared, w);
            long dt = System.nanoTime() - t0;
            r.close();
            return dt;
        } finally {
            resetAfterWatch();
        }
    }

    /** One run under the time limit ({@link TimeLimit}): ONNX Runtime's terminate flag stops it when the limit passes. */
    private OrtSession.Result runLimited(PreparedInputs prepared) {
        try (TimeLimit.Watch w = TimeLimit.watch(this::stopRun)) {
            return runOrt(prepared, w);
        } finally {
            resetAfterWatch();
        }
    }

    private volatile boolean timedOut;

    private synchronized void stopRun() {
        if (closed || terminated) return;
        timedOut = true;
        try {
            runOptions.setTerminate(true);
        } catch (OrtException ignored) {
            // closing
        }
    }

    private synchronized void resetAfterWatch() {
        if (!timedOut || closed || terminated) return;
        timedOut = false;
        try {
            runOptions.setTerminate(false);
        } catch (OrtException ignored) {
            // closing
        }
    }

    private OrtSession.Result runOrt(PreparedInputs prepared, TimeLimit.Watch watch) {
        try {
            return runOrt(prepared);
        } catch (EvalException e) {
            if (watch.fired()) {
                throw new EvalException(label() + ": an ONNX Runtime run did not finish within " + TimeLimit.describe()
                        + " (the limit is set with --timeout SECONDS)", e);
            }
            throw e;
        }
    }

    private OrtSession.Result runOrt(PreparedInputs prepared) {
        if (terminated) throw new CancelledException();
        try {
            return session.run(prepared.tensors, runOptions);
        } catch (OrtException e) {
            if (terminated) throw new CancelledException();
            throw new EvalException(label() + ": ONNX Runtime refused inputs " + prepared.describe() + ": "
                    + dev.lopper.onnx.Messages.ort(EvalException.firstLine(e.getMessage())), e);
        }
    }

    /** Checks the names against the model's inputs and copies the tensors into ONNX Runtime memory. */
    public PreparedInputs prepare(Map<String, HostTensor> feed) {
        for (TensorSpec s : inputs) {
            if (!feed.containsKey(s.name())) {
                throw new EvalException(label() + ": no data for input '" + s.name() + "' (data gives "
                        + feed.keySet() + ", model inputs are " + inputs.stream().map(TensorSpec::name).toList() + ")");
            }
        }
        for (String name : feed.keySet()) {
            if (inputs.stream().noneMatch(s -> s.name().equals(name))) {
                throw new EvalException(label() + ": data names '" + name + "', which is not a model input (inputs are "
                        + inputs.stream().map(TensorSpec::name).toList() + ")");
            }
        }
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try {
            for (TensorSpec s : inputs) {
                HostTensor h = feed.get(s.name());
                if (h.elemType() != s.elemType()) {
                    throw new EvalException(label() + ": input '" + s.name() + "' expects " + s.describe()
                            + ", data gives " + h);
                }
                tensors.put(s.name(), h.toOrt());
            }
        } catch (RuntimeException e) {
            tensors.values().forEach(OnnxTensor::close);
            throw e;
        }
        return new PreparedInputs(tensors);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        runOptions.close();
        closeQuietly(session);
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException ignored) {
            // nothing to do
        }
    }

    /** Inputs living in ONNX Runtime memory, reusable across runs. */
    public static final class PreparedInputs implements AutoCloseable {
        final Map<String, OnnxTensor> tensors;

        PreparedInputs(Map<String, OnnxTensor> tensors) { this.tensors = tensors; }

        String describe() {
            return tensors.entrySet().stream()
                    .map(e -> e.getKey() + ": " + HostTensor.shapeText(e.getValue().getInfo().getShape()))
                    .collect(Collectors.joining(", ", "[", "]"));
        }

        @Override
        public void close() { tensors.values().forEach(OnnxTensor::close); }
    }
}
