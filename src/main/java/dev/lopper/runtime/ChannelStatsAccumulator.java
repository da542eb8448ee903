package dev.lopper.runtime;

/** Streams batches of one tensor into {@link ChannelStats}; sums in double precision. */
public final class ChannelStatsAccumulator {
    private final String tensor;
    private final int axisRequested;
    private final boolean covariance;
    private int axis = -1;
    private int channels = -1;
    private long count;
    /** Sum of the row weights (weighted batches only). */
    private double weightSum;
    private boolean weighted;
    private double[] sum, sumAbs, sumSq, cov;
    private long[] zeros;

    public ChannelStatsAccumulator(String tensor, int channelAxis, boolean covariance) {
        this.tensor = tensor;
        this.axisRequested = channelAxis;
        this.covariance = covariance;
    }

    public void add(HostTensor t) {
        add(t, null);
    }

    /**
     * Adds one batch; with {@code rowWeights} (one per position, the channel axis last) each position counts with its
     * weight. A tensor's batches are either all weighted or none.
     */
    public void add(HostTensor t, double[] rowWeights) {
        int rank = t.rank();
        int a = axisRequested < 0 ? axisRequested + rank : axisRequested;
        if (a < 0 || a >= rank) {
            throw new EvalException("tensor '" + tensor + "' has rank " + rank + "; channel axis " + axisRequested + " does not exist");
        }
        int c = (int) t.dim(a);
        if (channels < 0) {
            axis = a;
            channels = c;
            sum = new double[c];
            sumAbs = new double[c];
            sumSq = new double[c];
            zeros = new long[c];
            if (covariance) cov = new double[c * c];
        } else if (c != channels || a != axis) {
            throw new EvalException("tensor '" + tensor + "' has " + c + " channels in this batch, " + channels + " before");
        }
        long[] shape = t.shape();
        long outer = 1, inner = 1;
        for (int i = 0; i < a; i++) outer *= shape[i];
        for (int i = a + 1; i < rank; i++) inner *= shape[i];
        if (count > 0 && weighted != (rowWeights != null)) {
            throw new EvalException("tensor '" + tensor + "': weighted and unweighted batches mixed");
        }
        weighted = rowWeights != null;
        float[] v = t.toFloatArray();
        if (weighted) {
            addWeighted(v, c, outer, inner, rowWeights);
            return;
        }
        double[] vec = covariance ? new double[c] : null;
        for (long o = 0; o < outer; o++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (int) ((o * c + ch) * inner);
                double s = 0, sa = 0, sq = 0;
                long z = 0;
                for (int i = 0; i < inner; i++) {
                    double x = v[base + i];
                    s += x;
                    sa += Math.abs(x);
                    sq += x * x;
                    if (x == 0) z++;
                }
                sum[ch] += s;
                sumAbs[ch] += sa;
                sumSq[ch] += sq;
                zeros[ch] += z;
            }
            if (covariance) {
                for (long i = 0; i < inner; i++) {
                    for (int ch = 0; ch < c; ch++) vec[ch] = v[(int) ((o * c + ch) * inner + i)];
                    for (int p = 0; p < c; p++) {
                        double xp = vec[p];
                        if (xp == 0) continue;
                        int row = p * c;
                        for (int q = p; q < c; q++) cov[row + q] += xp * vec[q];
                    }
                }
            }
        }
        count += outer * inner;
    }

    /** Channel axis last ({@code inner} = 1): position o counts {@code w[o]} times. */
    private void addWeighted(float[] v, int c, long outer, long inner, double[] w) {
        if (inner != 1 || w.length != outer) {
            throw new EvalException("tensor '" + tensor + "': " + w.length + " row weights for " + outer * inner
                    + " positions (row weights need the channel axis last)");
        }
        double[] vec = new double[c];
        for (int o = 0; o < outer; o++) {
            double wo = w[o];
            for (int ch = 0; ch < c; ch++) {
                double x = v[o * c + ch];
                vec[ch] = x;
                sum[ch] += wo * x;
                sumAbs[ch] += wo * Math.abs(x);
                sumSq[ch] += wo * x * x;
                if (x == 0) zeros[ch]++;
            }
            if (covariance) {
                for (int p = 0; p < c; p++) {
                    double xp = wo * vec[p];
                    if (xp == 0) continue;
                    int row = p * c;
                    for (int q = p; q < c; q++) cov[row + q] += xp * vec[q];
                }
            }
            weightSum += wo;
        }
        count += outer;
    }

    public ChannelStats result() {
        if (channels < 0) throw new EvalException("no batches were captured for tensor '" + tensor + "'");
        int c = channels;
        double n = weighted ? weightSum : count;
        double[] mean = new double[c], meanAbs = new double[c], zero = new double[c], meanSq = new double[c];
        for (int i = 0; i < c; i++) {
            mean[i] = sum[i] / n;
            meanAbs[i] = sumAbs[i] / n;
            zero[i] = (double) zeros[i] / count;
            meanSq[i] = sumSq[i] / n;
        }
        double[] m2 = null;
        if (cov != null) {
            m2 = new double[c * c];
            for (int p = 0; p < c; p++) {
                for (int q = p; q < c; q++) {
                    double e = cov[p * c + q] / n;
                    m2[p * c + q] = e;
                    m2[q * c + p] = e;
                }
            }
        }
        return new ChannelStats(tensor, axis, c, count, mean, meanAbs, zero, meanSq, m2, n);
    }
}
