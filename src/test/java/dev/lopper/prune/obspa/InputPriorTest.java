package dev.lopper.prune.obspa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.lopper.graph.ModelGraph;
import dev.lopper.importance.Weights;
import dev.lopper.prune.PruningSession;
import dev.lopper.task.Progress;

/** The graph-input prior fitted to the BatchNormalization after the stem conv. */
class InputPriorTest {

    /**
     * Images with channel means m, variances s² and separable AR(1) spatial correlation ρy^|δy| ρx^|δx| go through a
     * random 3×3 conv (pad 1, bias) on 8×8; the per-output-channel mean and variance over 20,000 images and all
     * positions stand in for the BN's running statistics. The fit recovers the distribution.
     */
    @Test
    void recoversAKnownInputDistributionFromConvBatchNormStatistics() {
        int cin = 2, o = 16, k = 3, n = 8, samples = 20_000;
        double[] m = {0.4, -0.7}, s2 = {0.25, 1.5};
        double ry = 0.7, rx = 0.35;
        Random rnd = new Random(7);
        float[] w = new float[o * cin * k * k], bias = new float[o];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < o; i++) bias[i] = (float) (0.3 * rnd.nextGaussian());
        double[][] ly = cholesky(ar1(n, ry)), lx = cholesky(ar1(n, rx));
        double[] sum = new double[o], sq = new double[o];
        double[][] x = new double[cin][n * n];
        double[] z = new double[n * n], t = new double[n * n];
        for (int s = 0; s < samples; s++) {
            for (int c = 0; c < cin; c++) {
                for (int i = 0; i < z.length; i++) z[i] = rnd.nextGaussian();
                // X = Ly Z Lxᵀ: Cov(X[i][j], X[i'][j']) = ρy^|i−i'| ρx^|j−j'|
                for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
                    double v = 0;
                    for (int q = 0; q <= i; q++) v += ly[i][q] * z[q * n + j];
                    t[i * n + j] = v;
                }
                for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
                    double v = 0;
                    for (int q = 0; q <= j; q++) v += t[i * n + q] * lx[j][q];
                    x[c][i * n + j] = m[c] + Math.sqrt(s2[c]) * v;
                }
            }
            for (int r = 0; r < o; r++) {
                for (int py = 0; py < n; py++) for (int px = 0; px < n; px++) {
                    double y = bias[r];
                    for (int c = 0; c < cin; c++) for (int a = 0; a < k; a++) for (int b = 0; b < k; b++) {
                        int iy = py - 1 + a, ix = px - 1 + b;
                        if (iy >= 0 && iy < n && ix >= 0 && ix < n) y += w[((r * cin + c) * k + a) * k + b] * x[c][iy * n + ix];
                    }
                    sum[r] += y;
                    sq[r] += y * y;
                }
            }
        }
        float[] rm = new float[o], rv = new float[o];
        double count = (double) samples * n * n;
        for (int r = 0; r < o; r++) {
            rm[r] = (float) (sum[r] / count);
            rv[r] = (float) (sq[r] / count - rm[r] * (double) rm[r]);
        }
        double[][] v = InputPrior.validity(n, k, 1, 1, new long[] {1, 1});
        InputPrior p = InputPrior.solve("x", w, o, cin, 1, k, k, new int[] {1, 1}, v, v, bias, rm, rv, "BN");
        assertEquals(0.4, p.mean()[0], 0.02, p.describe());
        assertEquals(-0.7, p.mean()[1], 0.02, p.describe());
        assertEquals(0.25, p.var()[0], 0.25 * 0.05, p.describe());
        assertEquals(1.5, p.var()[1], 1.5 * 0.05, p.describe());
        assertEquals(0.7, p.rhoY(), 0.03, p.describe());
        assertEquals(0.35, p.rhoX(), 0.03, p.describe());
        assertTrue(p.residual() < 0.02, p.describe());
        assertEquals(0.7 * 0.7 * 0.35, p.r(-2, 1), 0.05);
    }

    /** Exact statistics (no sampling) give the parameters back to the grid's resolution. */
    @Test
    void exactStatisticsGiveTheParametersBack() {
        int o = 12, k = 3, n = 6;
        Random rnd = new Random(3);
        float[] w = new float[o * k * k];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        double m = 0.2, s2 = 0.5, ry = 0.45, rx = 0.8;
        double[][] v = InputPrior.validity(n, k, 1, 1, new long[] {1, 1});
        float[] rm = new float[o], rv = new float[o];
        for (int r = 0; r < o; r++) {
            double mean = 0, e2 = 0;
            for (int t = 0; t < 9; t++) {
                mean += w[r * 9 + t] * m * v[t / 3][t / 3] * v[t % 3][t % 3];
                for (int u = 0; u < 9; u++) {
                    double vt = v[t / 3][u / 3] * v[t % 3][u % 3];
                    double cov = s2 * Math.pow(ry, Math.abs(t / 3 - u / 3)) * Math.pow(rx, Math.abs(t % 3 - u % 3));
                    e2 += w[r * 9 + t] * w[r * 9 + u] * vt * (cov + m * m);
                }
            }
            rm[r] = (float) mean;
            rv[r] = (float) (e2 - mean * mean);
        }
        InputPrior p = InputPrior.solve("x", w, o, 1, 1, k, k, new int[] {1, 1}, v, v, null, rm, rv, "BN");
        assertEquals(m, p.mean()[0], 1e-4, p.describe());
        assertEquals(s2, p.var()[0], 1e-3, p.describe());
        assertEquals(ry, p.rhoY(), 2e-3, p.describe());
        assertEquals(rx, p.rhoX(), 2e-3, p.describe());
    }

    /**
     * On the digits sample the prior fitted to the stem BN alone is close to the statistics of the test images
     * (measured from samples/digits_test.csv here: mean 0.305, variance 0.141, adjacent-pixel correlation 0.69
     * vertically and 0.42 horizontally; the separable model cannot be exact: at lag 2 horizontally the images have −0.23).
     */
    @Test
    void digitsPriorIsCloseToTheTestImagesStatistics() throws Exception {
        ModelGraph g = PruningSession.open(Path.of("samples/digits_cnn.onnx"), Map.of(), Progress.NONE).graph();
        List<String> rows = Files.readAllLines(Path.of("samples/digits_test.csv"));
        int n = rows.size();
        double[][] img = new double[n][64];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            String[] f = rows.get(i).split(",");
            for (int j = 0; j < 64; j++) {
                img[i][j] = Double.parseDouble(f[j + 1]);
                sum += img[i][j];
            }
        }
        double mean = sum / (64.0 * n), var = 0, cy = 0, cx = 0;
        for (double[] x : img) for (int j = 0; j < 64; j++) var += (x[j] - mean) * (x[j] - mean) / (64.0 * n);
        for (double[] x : img) for (int a = 0; a < 8; a++) for (int b = 0; b < 8; b++) {
            if (a < 7) cy += (x[a * 8 + b] - mean) * (x[(a + 1) * 8 + b] - mean) / (56.0 * n);
            if (b < 7) cx += (x[a * 8 + b] - mean) * (x[a * 8 + b + 1] - mean) / (56.0 * n);
        }
        Weights w = Weights.of(g);
        InputPrior p = InputPrior.fit(g, w, "input").orElseThrow();
        assertTrue(p.via().contains("/stem/stem.1/BatchNormalization"), p.via());
        assertEquals(mean, p.mean()[0], 0.03, p.describe());
        assertEquals(var, p.var()[0], 0.05 * var, p.describe());
        assertEquals(cy / var, p.rhoY(), 0.03, p.describe());
        assertEquals(cx / var, p.rhoX(), 0.15, p.describe());
        // the full moments use it for the graph input (and say so); without the fit the input is white
        CovarianceMoments fitted = CovarianceMoments.of(g, w), white = CovarianceMoments.of(g, w, false);
        assertTrue(fitted.describeInputs().contains("prior fitted to BatchNormalization /stem/stem.1/BatchNormalization"), fitted.describeInputs());
        assertTrue(white.describeInputs().contains("white"), white.describeInputs());
        CovarianceMoments.Moments a = fitted.of("/stem/stem.2/Relu_output_0", 1).orElseThrow();
        CovarianceMoments.Moments b = white.of("/stem/stem.2/Relu_output_0", 1).orElseThrow();
        assertTrue(Math.abs(a.r(1, 0) - b.r(1, 0)) > 0.1, a.r(1, 0) + " vs white " + b.r(1, 0));
    }

    /**
     * Data-free BN re-estimation: without edits every BN keeps its statistics; doubling a conv's weights quadruples the
     * variance its BN is re-estimated to, and since that BN then normalizes it away, every BN after it keeps its own.
     */
    @Test
    void reestimatedBatchNormStatisticsUndoAScaledConv() throws Exception {
        ModelGraph g = PruningSession.open(Path.of("samples/digits_cnn.onnx"), Map.of(), Progress.NONE).graph();
        Weights w = Weights.of(g);
        CovarianceMoments base = CovarianceMoments.of(g, w);
        Map<String, float[][]> same = CovarianceMoments.reestimate(g, w, base, Map.of());
        assertEquals(8, same.size());
        for (Map.Entry<String, float[][]> e : same.entrySet()) {
            dev.lopper.graph.Node bn = g.node(e.getKey());
            float[] m = w.get(bn.input(3)).values(), v = w.get(bn.input(4)).values();
            for (int i = 0; i < m.length; i++) {
                assertEquals(m[i], e.getValue()[0][i], 1e-4 * Math.sqrt(v[i]), e.getKey());
                assertEquals(v[i], e.getValue()[1][i], 1e-4 * v[i], e.getKey());
            }
        }
        float[] k = w.get("block1.conv1.0.weight").values().clone();
        for (int i = 0; i < k.length; i++) k[i] *= 2;
        Map<String, float[][]> scaled = CovarianceMoments.reestimate(g, w, base, Map.of("block1.conv1.0.weight", k));
        float[] v1 = w.get("block1.conv1.1.running_var").values();
        for (int i = 0; i < v1.length; i++) assertEquals(4 * v1[i], scaled.get("/block1/conv1/conv1.1/BatchNormalization")[1][i], 1e-4 * v1[i]);
        for (String after : List.of("/block1/bn2/BatchNormalization", "/fuse/fuse.1/BatchNormalization", "/block2/bn2/BatchNormalization")) {
            dev.lopper.graph.Node bn = g.node(after);
            float[] v = w.get(bn.input(4)).values();
            for (int i = 0; i < v.length; i++) assertEquals(v[i], scaled.get(after)[1][i], 1e-4 * v[i], after);
        }
    }

    /** The slim ResNet test model's BN statistics are random, not measured: the fit is refused and the input stays white. */
    @Test
    void randomBatchNormStatisticsGiveNoPrior() throws Exception {
        ModelGraph g = PruningSession.open(Path.of("src/test/resources/models/resnet50_slim_op13.onnx"), Map.of(), Progress.NONE).graph();
        Weights w = Weights.of(g);
        InputPrior c = InputPrior.candidate(g, w, "input").orElseThrow();
        assertTrue(c.implausible() != null, c.describe());
        assertTrue(InputPrior.fit(g, w, "input").isEmpty());
        CovarianceMoments m = CovarianceMoments.of(g, w);
        assertTrue(m.prior("input").isEmpty());
        assertTrue(m.describeInputs().contains("white") && m.describeInputs().contains("is not used"), m.describeInputs());
    }

    private static double[][] ar1(int n, double rho) {
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) c[i][j] = Math.pow(rho, Math.abs(i - j));
        return c;
    }

    private static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int q = 0; q < j; q++) s -= l[i][q] * l[j][q];
                l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
            }
        }
        return l;
    }
}
