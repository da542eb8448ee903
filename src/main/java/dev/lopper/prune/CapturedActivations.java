package dev.lopper.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.Member;
import dev.lopper.runtime.CaptureRequest;
import dev.lopper.runtime.ChannelStats;
import dev.lopper.graph.ModelGraph;
import dev.lopper.importance.ActivationStats;

/**
 * Bridges the eval package's activation capture to the calibration criteria: which activations to capture for
 * a set of groups, and the captured {@link ChannelStats} as {@link ActivationStats}.
 */
public final class CapturedActivations implements ActivationStats {
    private final Map<String, ChannelStats> stats;
    private final dev.lopper.runtime.BatchFeed.Summary feed;

    public CapturedActivations(Map<String, ChannelStats> stats) { this(stats, dev.lopper.runtime.BatchFeed.Summary.NONE); }

    public CapturedActivations(Map<String, ChannelStats> stats, dev.lopper.runtime.BatchFeed.Summary feed) {
        this.stats = Map.copyOf(stats);
        this.feed = feed;
    }

    /** How the calibration data was fed (samples, batch, padding). */
    public dev.lopper.runtime.BatchFeed.Summary feed() { return feed; }

    /** One capture per distinct non-constant member tensor of the prunable groups (its channel axis). */
    public static List<CaptureRequest> requests(ModelGraph graph, List<CoupledGroup> groups) {
        Map<String, CaptureRequest> out = new LinkedHashMap<>();
        for (CoupledGroup g : groups) {
            if (!g.isPrunable()) continue;
            for (Member m : g.members()) {
                if (graph.isConstant(m.tensor()) || out.containsKey(m.tensor())) continue;
                // ONNX Runtime returns main-graph values only: a tensor inside an If/Loop/Scan body (or a body's own
                // constant) is not captured; its channels are scored from what the main graph shows of them
                if (graph.producer(m.tensor()).isEmpty() && !graph.inputs().contains(m.tensor())) continue;
                int rank = graph.shape(m.tensor()).rank();
                int axis = m.axis() < 0 && rank > 0 ? m.axis() + rank : m.axis();
                out.put(m.tensor(), CaptureRequest.of(m.tensor(), axis));
            }
        }
        return new ArrayList<>(out.values());
    }

    @Override
    public Optional<Channels> channels(String tensor, int axis) {
        ChannelStats s = stats.get(tensor);
        if (s == null || (s.channelAxis() != axis && axis >= 0)) return Optional.empty();
        int n = s.channels();
        double[] l2 = new double[n], std = new double[n];
        for (int c = 0; c < n; c++) {
            l2[c] = Math.sqrt(s.count() * s.meanSquare()[c]);
            std[c] = s.std(c);
        }
        return Optional.of(new Channels(s.mean(), s.meanAbs(), l2, s.zeroFraction(), std));
    }
}
