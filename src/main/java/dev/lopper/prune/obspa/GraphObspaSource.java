package dev.lopper.prune.obspa;

import java.util.Map;
import java.util.Optional;

import dev.lopper.analysis.ParamSlice;

/**
 * OBSPA's view of one model: consumer layers resolved from the graph, input moments from calibration data where
 * captured, else data-free propagation, else none (identity H).
 */
public final class GraphObspaSource implements ObspaSource {
    private final ConsumerResolver resolver;
    private final DataFreeMoments dataFree;
    private final Map<String, InputMoments> calibrated;
    private final double damping;
    private final String description;
    private final Calibration calibration;
    private final CovarianceMoments full;
    private boolean sequential;
    private boolean recalibrate = true;

    /**
     * Where calibration data comes from, so that compensation can re-measure inputs on the partly pruned model.
     *
     * @param data        the calibration file or folder
     * @param inputShapes sizes for dynamic input dims
     * @param maxSamples  at most this many samples
     */
    public record Calibration(java.nio.file.Path data, Map<String, long[]> inputShapes, long maxSamples) {
        public Calibration(java.nio.file.Path data, Map<String, long[]> inputShapes) {
            this(data, inputShapes, dev.lopper.runtime.CalibrationData.ALL);
        }

        /** The same data as the eval package's {@link dev.lopper.runtime.CalibrationData}. */
        public dev.lopper.runtime.CalibrationData asCalibrationData() {
            return new dev.lopper.runtime.CalibrationData(data, inputShapes, maxSamples);
        }
    }

    public GraphObspaSource(ConsumerResolver resolver, DataFreeMoments dataFree, Map<String, InputMoments> calibrated,
                            double damping, String description) {
        this(resolver, dataFree, calibrated, damping, description, null);
    }

    public GraphObspaSource(ConsumerResolver resolver, DataFreeMoments dataFree, Map<String, InputMoments> calibrated,
                            double damping, String description, Calibration calibration) {
        this(resolver, dataFree, null, calibrated, damping, description, calibration);
    }

    /**
     * @param full full data-free moments (channel covariance + spatial model), used before {@code dataFree} where
     *             derived; null for the diagonal model
     */
    public GraphObspaSource(ConsumerResolver resolver, DataFreeMoments dataFree, CovarianceMoments full,
                            Map<String, InputMoments> calibrated, double damping, String description, Calibration calibration) {
        this.full = full;
        this.calibration = calibration;
        this.resolver = resolver;
        this.dataFree = dataFree;
        this.calibrated = Map.copyOf(calibrated);
        this.damping = damping;
        this.description = description;
    }

    /** Data-free moments only. */
    public static GraphObspaSource dataFree(ConsumerResolver resolver, DataFreeMoments moments) {
        return new GraphObspaSource(resolver, moments, Map.of(), ObsLayer.DEFAULT_DAMPING, "data-free moments");
    }

    public ConsumerResolver resolver() { return resolver; }

    /** The moments propagated without data (the fallback where nothing was measured). */
    public DataFreeMoments dataFreeMoments() { return dataFree; }

    /**
     * Data-free sequential compensation ({@link JointCompensation}): each consumer solved against the original model's
     * input with joint moments propagated through the already compensated upstream, rows gated by predicted error.
     * Off by default: on the digits sample it measured worse than one-shot compensation (see the README).
     */
    public GraphObspaSource sequential(boolean on) {
        this.sequential = on;
        return this;
    }

    public boolean sequential() { return sequential; }

    /**
     * Re-estimate the running statistics of every BatchNormalization downstream of a compensated layer: with
     * calibration data measured on the pruned model ({@link NormRecalibration}); without, the statistics the full
     * data-free moments predict for the compensated model ({@link CovarianceMoments#reestimate}). On by default.
     */
    public GraphObspaSource recalibrate(boolean on) {
        this.recalibrate = on;
        return this;
    }

    public boolean recalibrate() { return recalibrate; }

    /** The full data-free moments, or null (diagonal model). */
    public CovarianceMoments fullMoments() { return full; }

    /** The same source with other full data-free moments (propagated through an edited model). */
    public GraphObspaSource withFull(CovarianceMoments moments) {
        return new GraphObspaSource(resolver, dataFree, moments, calibrated, damping, description, calibration).sequential(sequential).recalibrate(recalibrate);
    }

    /** Calibration data, or null when data-free. */
    public Calibration calibration() { return calibration; }

    /** The same source with other calibrated moments (re-measured on an edited model). */
    public GraphObspaSource withCalibrated(Map<String, InputMoments> moments) {
        return new GraphObspaSource(resolver, dataFree, full, moments, damping, description, calibration).sequential(sequential).recalibrate(recalibrate);
    }

    /** Consumer nodes whose moments come from calibration data. */
    public int calibratedCount() { return calibrated.size(); }

    @Override
    public Optional<ConsumerLayer> consumer(ParamSlice slice) { return resolver.resolve(slice); }

    /** Damped inverses by consumer node and bias column: this source's moments never change, nor do these. */
    private final java.util.concurrent.ConcurrentHashMap<String, ObsLayer.Damped> inverses = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public ObsLayer.Damped damped(ConsumerLayer layer, boolean withBias, java.util.function.Supplier<ObsLayer.Damped> compute) {
        return inverses.computeIfAbsent(layer.node() + (withBias ? "\u0000b" : "\u0000"), k -> compute.get());
    }

    @Override
    public Optional<InputMoments> moments(ConsumerLayer layer) {
        if (layer.groups() > 1) return Optional.empty(); // one H per group: see moments(layer, group)
        InputMoments c = calibrated.get(layer.node());
        if (c != null && c.features() == layer.features()) return Optional.of(c);
        return derived(layer, 0);
    }

    @Override
    public Optional<InputMoments> moments(ConsumerLayer layer, int group) {
        if (layer.groups() == 1) return group == 0 ? moments(layer) : Optional.empty();
        if (group < 0 || group >= layer.groups()) return Optional.empty();
        return derived(layer, group);
    }

    /** Data-free moments of the input channels group·positions … of a consumer (full where derived, else diagonal). */
    private Optional<InputMoments> derived(ConsumerLayer layer, int group) {
        int axis = layer.dims().length > 2 ? 1 : -1;
        int channels = layer.positions() * layer.groups(), off = group * layer.positions();
        if (full != null) {
            Optional<InputMoments> f = full.of(layer.input(), axis).filter(m -> m.size() == channels)
                    .map(m -> fullMoments(layer, m, off));
            if (f.isPresent()) return f;
        }
        if (dataFree == null) return Optional.empty();
        return dataFree.of(layer.input(), axis).filter(m -> m.size() == channels).map(m -> {
            int taps = layer.taps(), f = layer.features();
            double[] mu = new double[f], var = new double[f];
            for (int p = 0; p < layer.positions(); p++) {
                for (int t = 0; t < taps; t++) {
                    mu[p * taps + t] = m.mean()[off + p];
                    var[p * taps + t] = m.var()[off + p];
                }
            }
            return InputMoments.independent(mu, var, "data-free (from " + m.via() + ")");
        });
    }

    /**
     * H of a consumer from full moments: E[x xᵀ] over (channel, tap) features = Σ ⊗ S + μμᵀ with S[t, u] = r(d·(u − t))
     * the spatial correlation between kernel taps; wider than {@link InputMoments#MAX_DENSE_FEATURES}: the diagonal.
     */
    InputMoments fullMoments(ConsumerLayer layer, CovarianceMoments.Moments m, int off) {
        int taps = layer.taps(), f = layer.features(), c = layer.positions(), all = m.size();
        double[] mu = new double[f];
        for (int p = 0; p < c; p++) for (int t = 0; t < taps; t++) mu[p * taps + t] = m.mean()[off + p];
        String basis = "data-free full covariance (from " + m.via() + ")";
        if (f > InputMoments.MAX_DENSE_FEATURES) {
            double[] var = new double[f];
            for (int p = 0; p < c; p++) for (int t = 0; t < taps; t++) var[p * taps + t] = m.var(off + p);
            return InputMoments.independent(mu, var, basis + ", diagonal above " + InputMoments.MAX_DENSE_FEATURES + " features");
        }
        double[] s = tapCorrelation(layer, m, resolver.graph());
        double[] v = tapValidity(layer, resolver.graph());
        if (v != null) {
            for (int p = 0; p < c; p++) for (int t = 0; t < taps; t++) mu[p * taps + t] *= v[t * taps + t];
        }
        double[] h = new double[f * f];
        double[] sig = m.cov();
        for (int p = 0; p < c; p++) {
            for (int q = 0; q < c; q++) {
                double sv = sig[(off + p) * all + off + q], mm = m.mean()[off + p] * m.mean()[off + q];
                for (int t = 0; t < taps; t++) {
                    int row = (p * taps + t) * f + q * taps;
                    for (int u = 0; u < taps; u++) {
                        h[row + u] = (sv * s[t * taps + u] + mm) * (v == null ? 1 : v[t * taps + u]);
                    }
                }
            }
        }
        return new InputMoments(f, mu, h, null, basis);
    }

    /**
     * V[t, u]: the fraction of a Conv consumer's output positions at which kernel taps t and u both read inside the
     * input (not its zero padding), from the input's spatial size, kernel, strides, dilations and pads (auto_pad
     * SAME_* too). Over the zero padding a tap reads 0, so E[x_t] = V[t, t]·μ and E[x_t x_u] = V[t, u]·E[x x'] over
     * the output positions: on small feature maps the border taps matter (a 3×3 kernel on 4×4 with pad 1: the
     * corner taps read the padding at 7 of 16 positions). Null when every tap is always inside, or the sizes are not
     * known (the taps are then taken as always inside).
     */
    static double[] tapValidity(ConsumerLayer layer, dev.lopper.graph.ModelGraph graph) {
        long[] d = layer.dims();
        if (d.length < 3 || d.length > 4 || layer.taps() <= 1) return null;
        dev.lopper.graph.Node node = graph.node(layer.node());
        if (node == null || !node.opType().equals("Conv")) return null;
        dev.lopper.graph.Shape in = graph.shape(layer.input());
        int sp = d.length - 2;
        if (!in.hasRank() || in.rank() != d.length) return null;
        long[] size = new long[sp], k = new long[sp];
        for (int i = 0; i < sp; i++) {
            size[i] = in.dim(2 + i);
            k[i] = d[2 + i];
            if (size[i] <= 0 || size[i] > 1 << 20) return null;
        }
        long[] strides = node.attrInts("strides"), dil = node.attrInts("dilations"), pads = node.attrInts("pads");
        String auto = node.attrString("auto_pad", "NOTSET");
        long[] st = new long[sp], dl = new long[sp], pb = new long[sp], pe = new long[sp];
        for (int i = 0; i < sp; i++) {
            st[i] = strides != null && strides.length == sp ? strides[i] : 1;
            dl[i] = dil != null && dil.length == sp ? dil[i] : 1;
            if (st[i] <= 0 || dl[i] <= 0) return null;
            long ext = (k[i] - 1) * dl[i] + 1;
            if (auto.equals("SAME_UPPER") || auto.equals("SAME_LOWER")) {
                long out = (size[i] + st[i] - 1) / st[i];
                long total = Math.max(0, (out - 1) * st[i] + ext - size[i]);
                pb[i] = auto.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                pe[i] = total - pb[i];
            } else if (auto.equals("VALID")) {
                pb[i] = 0;
                pe[i] = 0;
            } else if (pads != null && pads.length == 2 * sp) {
                pb[i] = pads[i];
                pe[i] = pads[sp + i];
            }
        }
        // per spatial axis: for each output position, which kernel offsets read inside
        boolean any = false;
        double[][][] both = new double[sp][][];
        for (int i = 0; i < sp; i++) {
            long ext = (k[i] - 1) * dl[i] + 1;
            long out = (size[i] + pb[i] + pe[i] - ext) / st[i] + 1;
            if (out <= 0 || out > 1 << 20) return null;
            int kk = (int) k[i];
            double[][] b = new double[kk][kk];
            for (long o = 0; o < out; o++) {
                for (int a = 0; a < kk; a++) {
                    long ia = o * st[i] - pb[i] + a * dl[i];
                    if (ia < 0 || ia >= size[i]) {
                        any = true;
                        continue;
                    }
                    for (int c = 0; c < kk; c++) {
                        long ic = o * st[i] - pb[i] + c * dl[i];
                        if (ic >= 0 && ic < size[i]) b[a][c] += 1.0 / out;
                    }
                }
            }
            both[i] = b;
        }
        if (!any) return null;
        int taps = layer.taps();
        int kw = sp == 2 ? (int) k[1] : 1;
        double[] v = new double[taps * taps];
        for (int t = 0; t < taps; t++) {
            for (int u = 0; u < taps; u++) {
                v[t * taps + u] = sp == 2 ? both[0][t / kw][u / kw] * both[1][t % kw][u % kw] : both[0][t][u];
            }
        }
        return v;
    }

    /** S[t, u] = r(d·(u − t)): the spatial correlation between a consumer's kernel taps (taps × taps). */
    static double[] tapCorrelation(ConsumerLayer layer, CovarianceMoments.Moments m, dev.lopper.graph.ModelGraph graph) {
        int taps = layer.taps();
        long[] d = layer.dims();
        int kh = d.length == 4 ? (int) d[2] : 1, kw = d.length >= 3 ? (int) d[d.length - 1] : 1;
        int dh = 1, dw = 1;
        dev.lopper.graph.Node node = graph.node(layer.node());
        long[] dil = node == null ? null : node.attrInts("dilations");
        if (dil != null && dil.length == 2) {
            dh = (int) dil[0];
            dw = (int) dil[1];
        } else if (dil != null && dil.length == 1) {
            dw = (int) dil[0];
        }
        double[] s = new double[taps * taps];
        for (int t = 0; t < taps; t++) {
            for (int u = 0; u < taps; u++) s[t * taps + u] = m.r(dh * (u / kw - t / kw), dw * (u % kw - t % kw));
        }
        if (kh * kw != taps) java.util.Arrays.fill(s, 0); // unexpected layout: taps independent
        for (int t = 0; t < taps; t++) s[t * taps + t] = 1;
        return s;
    }

    @Override
    public double damping() { return damping; }

    @Override
    public String describe() { return description; }

    public GraphObspaSource withDamping(double lambda) {
        return new GraphObspaSource(resolver, dataFree, full, calibrated, lambda, description, calibration).sequential(sequential).recalibrate(recalibrate);
    }
}
