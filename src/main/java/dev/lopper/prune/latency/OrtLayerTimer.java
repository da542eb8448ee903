package dev.lopper.prune.latency;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.lopper.runtime.EvalSession;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.RandomInputs;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.runtime.ShapePolicy;
import dev.lopper.task.Progress;

/**
 * Times a layer's candidate counts in ONNX Runtime (batch 1, the given intra-op threads, all graph optimizations) in
 * interleaved rounds: every round runs each candidate once, so load changes hit all candidates alike. One warm-up
 * round, then as many rounds as fit in about {@link #BUDGET_MS} (at least {@link #MIN_ROUNDS}, at most
 * {@link #MAX_ROUNDS}); a candidate's latency is the fastest of its runs: on a shared machine noise (preemption,
 * other processes' cache traffic) only adds time, so the minimum is the steadiest estimate of what the layer costs.
 */
public final class OrtLayerTimer implements LayerTimer {
    public static final double BUDGET_MS = 30;
    public static final int MIN_ROUNDS = 5;
    public static final int MAX_ROUNDS = 40;

    private final SessionConfig config;

    public OrtLayerTimer(int threads) {
        this.config = SessionConfig.DEFAULT.withThreads(threads);
    }

    @Override
    public double[] time(Timed spec, int[] counts, Progress progress) {
        List<EvalSession> sessions = new ArrayList<>();
        List<EvalSession.PreparedInputs> inputs = new ArrayList<>();
        try {
            for (int n : counts) {
                progress.checkCancelled();
                EvalSession s = EvalSession.open(ModelSource.of(spec.model(n), null, spec.signature() + " @" + n), config);
                sessions.add(s);
                Map<String, HostTensor> in = RandomInputs.forSession(s, ShapePolicy.DEFAULT, null, 1);
                inputs.add(s.prepare(in));
            }
            int k = counts.length;
            long t0 = System.nanoTime();
            for (int i = 0; i < k; i++) sessions.get(i).runNanos(inputs.get(i));
            double roundMs = (System.nanoTime() - t0) / 1e6;
            int rounds = (int) Math.max(MIN_ROUNDS, Math.min(MAX_ROUNDS, Math.ceil(BUDGET_MS / Math.max(roundMs, 1e-3))));
            double[][] t = new double[k][rounds];
            for (int r = 0; r < rounds; r++) {
                progress.checkCancelled();
                for (int i = 0; i < k; i++) t[i][r] = sessions.get(i).runNanos(inputs.get(i)) / 1e6;
            }
            double[] out = new double[k];
            for (int i = 0; i < k; i++) out[i] = java.util.Arrays.stream(t[i]).min().orElseThrow();
            return out;
        } finally {
            inputs.forEach(EvalSession.PreparedInputs::close);
            sessions.forEach(EvalSession::close);
        }
    }
}
