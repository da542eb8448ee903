package dev.lopper.runtime;

/** Streams batches of one tensor into {@link ChannelStats}; sums in double precision. */
public final class ChannelStatsAccumulator {
    private final String tensor;
    private final int axisRequested;
    private final boolean covariance;
    private int axis = -1;
    private int channels = -1;
    private long count;
    private double[] sum, sumAbs, sumSq, cov;
    private long[] zeros;

    public ChannelStatsAccumulator(String tensor, int channelAxis, boolean covariance) {
        this.tensor = tensor;
        this.axisRequested = channelAxis;
        this.covariance = covariance;
    }

    public void add(HostTensor t) {
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
        float[] v = t.toFloatArray();
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

    public ChannelStats result() {
        if (channels < 0) throw new EvalException("no batches were captured for tensor '" + tensor + "'");
        int c = channels;
        double[] mean = new double[c], meanAbs = new double[c], zero = new double[c], meanSq = new double[c];
        for (int i = 0; i < c; i++) {
            mean[i] = sum[i] / count;
            meanAbs[i] = sumAbs[i] / count;
            zero[i] = (double) zeros[i] / count;
            meanSq[i] = sumSq[i] / count;
        }
        double[] m2 = null;
        if (cov != null) {
            m2 = new double[c * c];
            for (int p = 0; p < c; p++) {
                for (int q = p; q < c; q++) {
                    double e = cov[p * c + q] / count;
                    m2[p * c + q] = e;
                    m2[q * c + p] = e;
                }
            }
        }
        return new ChannelStats(tensor, axis, c, count, mean, meanAbs, zero, meanSq, m2);
    }
}
