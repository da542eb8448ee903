package dev.lopper.runtime;

/** Streams NCHW batches into {@link PatchStats}. */
public final class PatchStatsAccumulator {
    private final String tensor;
    private final ConvPatch patch;
    private int channels = -1;
    private int features;
    private long count;
    private double[] sum;
    private double[] m2;

    public PatchStatsAccumulator(String tensor, ConvPatch patch) {
        this.tensor = tensor;
        this.patch = patch;
    }

    public void add(HostTensor t) {
        if (t.rank() != 4) {
            throw new EvalException("tensor '" + tensor + "' has rank " + t.rank() + "; convolution patches need NCHW (rank 4)");
        }
        int n = (int) t.dim(0), c = (int) t.dim(1), h = (int) t.dim(2), w = (int) t.dim(3);
        if (channels < 0) {
            channels = c;
            features = c * patch.kernelH() * patch.kernelW();
            sum = new double[features];
            m2 = new double[features * features];
        } else if (c != channels) {
            throw new EvalException("tensor '" + tensor + "' has " + c + " channels in this batch, " + channels + " before");
        }
        int oh = patch.outH(h), ow = patch.outW(w);
        if (oh < 1 || ow < 1) throw new EvalException("tensor '" + tensor + "' (" + h + "x" + w + ") is smaller than the patch");
        float[] v = t.toFloatArray();
        double[] p = new double[features];
        int[] nz = new int[features];
        int kh = patch.kernelH(), kw = patch.kernelW();
        for (int s = 0; s < n; s++) {
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    int k = 0;
                    int nnz = 0;
                    for (int ch = 0; ch < c; ch++) {
                        int plane = (s * c + ch) * h * w;
                        for (int ky = 0; ky < kh; ky++) {
                            int iy = y * patch.strideH() - patch.padTop() + ky * patch.dilationH();
                            for (int kx = 0; kx < kw; kx++, k++) {
                                int ix = x * patch.strideW() - patch.padLeft() + kx * patch.dilationW();
                                double val = iy >= 0 && iy < h && ix >= 0 && ix < w ? v[plane + iy * w + ix] : 0;
                                p[k] = val;
                                if (val != 0) nz[nnz++] = k;
                            }
                        }
                    }
                    for (int a = 0; a < nnz; a++) {
                        int i = nz[a];
                        double pi = p[i];
                        sum[i] += pi;
                        int row = i * features;
                        for (int b = a; b < nnz; b++) m2[row + nz[b]] += pi * p[nz[b]];
                    }
                    count++;
                }
            }
        }
    }

    public PatchStats result() {
        if (channels < 0) throw new EvalException("no batches were captured for tensor '" + tensor + "'");
        double[] mean = new double[features];
        double[] sm = new double[features * features];
        for (int i = 0; i < features; i++) {
            mean[i] = sum[i] / count;
            for (int j = i; j < features; j++) {
                double e = m2[i * features + j] / count;
                sm[i * features + j] = e;
                sm[j * features + i] = e;
            }
        }
        return new PatchStats(tensor, patch, features, count, mean, sm);
    }
}
