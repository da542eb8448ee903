package dev.lopper.runtime;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;
import dev.lopper.task.CancellationToken;
import dev.lopper.task.Progress;

/**
 * Exposes chosen intermediate tensors (ONNX Runtime only returns graph outputs, so they are added as graph
 * outputs to an in-memory copy of the model; the file is untouched) and collects per-channel statistics
 * over data batches: mean, mean |x|, fraction of zeros (APoZ), E[x²], optionally E[x xᵀ] over channels and
 * E[p pᵀ] over the unfolded patches a Conv consumer sees (OBSPA's input covariance H). A requested tensor that is a graph input is taken from the feed directly.
 */
public final class ActivationCapture implements AutoCloseable {
    private final EvalSession session;
    private final List<CaptureRequest> requests;
    private final Set<String> fromFeed;
    /** What each run returns: the requests' tensors and their row weights' tensors. */
    private final List<String> returned;
    private final Accumulators all;
    /** Folds for cross-validation (see {@link #folds(int)}): 0 = none; sample i also goes to fold i % folds. */
    private int folds;
    private final List<Accumulators> foldStats = new ArrayList<>();
    private long[] foldSamples = new long[0];

    private ActivationCapture(EvalSession session, List<CaptureRequest> requests, Set<String> fromFeed) {
        this.session = session;
        this.requests = List.copyOf(requests);
        this.fromFeed = fromFeed;
        this.returned = tensors(requests);
        this.all = new Accumulators(requests);
    }

    /** Opens a session over a copy of {@code source} with the requested tensors as extra outputs. */
    public static ActivationCapture open(ModelSource source, List<CaptureRequest> requests, SessionConfig config) {
        ModelProto proto = source.proto();
        Set<String> graphInputs = new HashSet<>();
        proto.getGraph().getInputList().forEach(v -> graphInputs.add(v.getName()));
        Set<String> fromFeed = new HashSet<>();
        List<String> expose = new ArrayList<>();
        for (String t : tensors(requests)) {
            if (graphInputs.contains(t)) fromFeed.add(t);
            else expose.add(t);
        }
        ModelProto exposed = exposeTensors(proto, expose);
        EvalSession session = EvalSession.open(ModelSource.of(exposed, source.externalDataDir(), source.label()), config);
        for (String f : fromFeed) {
            if (session.inputs().stream().noneMatch(s -> s.name().equals(f))) {
                session.close();
                throw new EvalException(source.label() + ": tensor '" + f + "' is an initializer, not an activation");
            }
        }
        return new ActivationCapture(session, requests, fromFeed);
    }

    /** The tensors the requests read: each request's tensor and its row weight's, once each, in request order. */
    private static List<String> tensors(List<CaptureRequest> requests) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (CaptureRequest r : requests) {
            out.add(r.tensor());
            if (r.rowWeight() != null) out.add(r.rowWeight().tensor());
        }
        return new ArrayList<>(out);
    }

    /** A copy of the model whose graph outputs also include {@code tensors} (each produced by a top-level node). */
    public static ModelProto exposeTensors(ModelProto model, List<String> tensors) {
        GraphProto g = model.getGraph();
        Set<String> produced = new HashSet<>();
        for (NodeProto n : g.getNodeList()) produced.addAll(n.getOutputList());
        Set<String> outputs = new HashSet<>();
        g.getOutputList().forEach(v -> outputs.add(v.getName()));
        Map<String, ValueInfoProto> infos = new LinkedHashMap<>();
        g.getValueInfoList().forEach(v -> infos.put(v.getName(), v));
        GraphProto.Builder gb = g.toBuilder();
        for (String t : tensors) {
            if (!produced.contains(t)) {
                throw new EvalException("no node of the main graph produces tensor '" + t + "'");
            }
            if (outputs.add(t)) {
                ValueInfoProto vi = infos.get(t);
                gb.addOutput(vi != null ? vi : ValueInfoProto.newBuilder().setName(t).build());
            }
        }
        return model.toBuilder().setGraph(gb).build();
    }

    public List<TensorSpec> inputs() { return session.inputs(); }

    public EvalSession session() { return session; }

    public void cancelOn(CancellationToken token) { session.cancelOn(token); }

    /**
     * Also collects statistics per fold for cross-validation: streamed sample i goes to fold i % {@code k}
     * ({@link #foldStatistics(int)}, {@link #foldPatchStatistics(int)}); the main statistics still see every sample, and
     * the statistics of all samples but one fold are the difference of the two sums. A batch whose captured tensors do
     * not all have the batch as dim 0 cannot be split and counts for the main statistics only.
     */
    public ActivationCapture folds(int k) {
        if (k < 2) throw new IllegalArgumentException("cross-validation needs >= 2 folds, got " + k);
        folds = k;
        foldSamples = new long[k];
        for (int f = 0; f < k; f++) foldStats.add(new Accumulators(requests));
        return this;
    }

    /** Samples that went to each fold (empty without {@link #folds(int)}). */
    public long[] foldSamples() { return foldSamples.clone(); }

    /** Statistics of fold {@code f} (empty when no sample went to it). */
    public Map<String, ChannelStats> foldStatistics(int f) {
        return foldSamples[f] > 0 ? foldStats.get(f).statistics() : new LinkedHashMap<>();
    }

    /** Patch statistics of fold {@code f}, by tensor name. */
    public Map<String, PatchStats> foldPatchStatistics(int f) {
        return foldSamples[f] > 0 ? foldStats.get(f).patchStatistics() : new LinkedHashMap<>();
    }

    /** Adds the rows of one batch to their folds (its first sample has streamed index {@code first}, {@code rows} samples). */
    private void addToFolds(Map<String, HostTensor> captured, long first, int rows) {
        for (HostTensor t : captured.values()) if (t.rank() == 0 || t.dim(0) != rows) return;
        for (int i = 0; i < rows; i++) {
            int f = (int) ((first + i) % folds);
            Map<String, HostTensor> row = new LinkedHashMap<>();
            for (Map.Entry<String, HostTensor> e : captured.entrySet()) row.put(e.getKey(), e.getValue().rows(i, i + 1));
            foldStats.get(f).add(row);
            foldSamples[f]++;
        }
    }

    /** Runs one batch and returns the captured tensors (by name): the requests' tensors and their row weights' tensors. */
    public Map<String, HostTensor> run(Map<String, HostTensor> feed) {
        Map<String, HostTensor> out = session.run(feed);
        Map<String, HostTensor> captured = new LinkedHashMap<>();
        for (String t : returned) captured.put(t, fromFeed.contains(t) ? feed.get(t) : out.get(t));
        return captured;
    }

    /** Runs one batch and adds the captured tensors to the statistics. */
    public void accumulate(Map<String, HostTensor> feed) {
        all.add(run(feed));
    }

    /** Streams a data set through the model in batches of {@code batchSize} (see {@link BatchFeed}). Returns samples seen. */
    public long accumulate(Dataset data, int batchSize, Progress progress) {
        return accumulate(data, batchSize, Long.MAX_VALUE, progress).samples();
    }

    /**
     * Streams at most {@code limit} samples of a data set through the model: batches of {@code batchSize}, or of the
     * model's fixed batch with the last one padded and the padding cut from every captured tensor before it is counted
     * (see {@link BatchFeed}).
     */
    public BatchFeed.Summary accumulate(Dataset data, int batchSize, long limit, Progress progress) {
        BatchFeed feed = BatchFeed.of(data, session.inputs(), session.label(), batchSize, limit);
        BatchFeed.Item item;
        while ((item = feed.next()) != null) {
            progress.checkCancelled();
            Map<String, HostTensor> captured = run(item.feed());
            Map<String, HostTensor> real = new LinkedHashMap<>();
            for (Map.Entry<String, HostTensor> e : captured.entrySet()) {
                HostTensor r = item.real(e.getValue());
                if (r == null) {
                    real = null;
                    break;
                }
                real.put(e.getKey(), r);
            }
            if (real == null) {
                feed.drop(item);
                continue;
            }
            if (folds > 0) addToFolds(real, feed.samples() - item.real(), item.real());
            all.add(real);
            long n = feed.samples();
            long total = feed.expected();
            progress.update("captured " + n + " samples", n, total > 0 ? total : n);
        }
        return feed.summary();
    }

    /** Statistics so far, in request order. */
    public Map<String, ChannelStats> statistics() { return all.statistics(); }

    /** Patch statistics of the requests that asked for them, by tensor name. */
    public Map<String, PatchStats> patchStatistics() { return all.patchStatistics(); }

    /** One set of statistics over the requests: per tensor its channel statistics and, when asked, its patch statistics. */
    private static final class Accumulators {
        private final Map<String, CaptureRequest> byTensor = new LinkedHashMap<>();
        private final Map<String, ChannelStatsAccumulator> stats = new LinkedHashMap<>();
        private final Map<String, PatchStatsAccumulator> patches = new LinkedHashMap<>();

        Accumulators(List<CaptureRequest> requests) {
            for (CaptureRequest r : requests) {
                byTensor.put(r.tensor(), r);
                stats.put(r.tensor(), new ChannelStatsAccumulator(r.tensor(), r.channelAxis(), r.covariance()));
                if (r.patch() != null) patches.put(r.tensor(), new PatchStatsAccumulator(r.tensor(), r.patch()));
            }
        }

        void add(Map<String, HostTensor> captured) {
            for (CaptureRequest r : byTensor.values()) {
                HostTensor t = captured.get(r.tensor());
                RowWeight w = r.rowWeight();
                stats.get(r.tensor()).add(t, w == null ? null : w.weights(captured.get(w.tensor())));
                PatchStatsAccumulator p = patches.get(r.tensor());
                if (p != null) p.add(t);
            }
        }

        Map<String, ChannelStats> statistics() {
            Map<String, ChannelStats> out = new LinkedHashMap<>();
            stats.forEach((k, v) -> out.put(k, v.result()));
            return out;
        }

        Map<String, PatchStats> patchStatistics() {
            Map<String, PatchStats> out = new LinkedHashMap<>();
            patches.forEach((k, v) -> out.put(k, v.result()));
            return out;
        }
    }

    @Override
    public void close() { session.close(); }
}
