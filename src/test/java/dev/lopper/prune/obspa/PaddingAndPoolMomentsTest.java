package dev.lopper.prune.obspa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.graph.ModelGraph;
import dev.lopper.prune.PruningSession;
import dev.lopper.task.Progress;

/** Data-free patch moments over zero padding, and MaxPool of spatially correlated inputs. */
class PaddingAndPoolMomentsTest {
    static ModelGraph digits() throws Exception {
        return PruningSession.open(Path.of("samples/digits_cnn.onnx"), Map.of(), Progress.NONE).graph();
    }

    @Test
    void tapValidityIsTheFractionOfOutputPositionsWhereBothTapsReadInside() throws Exception {
        ModelGraph g = digits();
        // 3×3, pad 1, stride 1 on 4×4 (after the 2×2 max pool): per axis offsets 0 and 2 are inside at 3 of 4 rows
        ConsumerLayer l = new ConsumerLayer("/block2/conv1/conv1.0/Conv", "block2.conv1.0.weight", new long[] {48, 48, 3, 3}, 1,
                48, 48, 9, false, "/pool/MaxPool_output_0", null);
        double[] v = GraphObspaSource.tapValidity(l, g);
        assertEquals(9.0 / 16, v[0], 1e-12);              // corner tap with itself
        assertEquals(1.0, v[4 * 9 + 4], 1e-12);            // centre tap: always inside
        assertEquals(12.0 / 16, v[1 * 9 + 1], 1e-12);       // top-centre tap
        assertEquals(4.0 / 16, v[0 * 9 + 8], 1e-12);        // opposite corners: both inside at 2 of 4 rows and columns
        assertEquals(9.0 / 16, v[0 * 9 + 4], 1e-12);        // corner and centre: where the corner is
        // the same kernel on 8×8: corner (7/8)²
        ConsumerLayer b1 = new ConsumerLayer("/block1/conv2/Conv", "block1.conv2.weight", new long[] {24, 24, 3, 3}, 1,
                24, 24, 9, false, "/block1/conv1/conv1.2/Relu_output_0", null);
        assertEquals(49.0 / 64, GraphObspaSource.tapValidity(b1, g)[0], 1e-12);
        // 1×1 convs never read padding
        ConsumerLayer fuse = new ConsumerLayer("/fuse/fuse.0/Conv", "fuse.0.weight", new long[] {48, 48, 1, 1}, 1,
                48, 48, 1, false, "/Concat_output_0", null);
        assertNull(GraphObspaSource.tapValidity(fuse, g));
    }

    @Test
    void maxPoolOfEquicorrelatedGaussians() {
        double[] cov = {4, 1, 1, 9};
        CovarianceMoments.Moments in = new CovarianceMoments.Moments(1, new double[] {1, -2}, cov, null, "t");
        // ρ = 0: independent copies (E max of 4 standard normals 1.0294, Var 0.4917)
        CovarianceMoments.Moments ind = CovarianceMoments.poolMax(in, 4, null, 0);
        double[] std = GaussianMoments.maxOf(4, 0, 1);
        assertEquals(1.0294, std[0], 1e-3);
        assertEquals(0.4917, std[1], 1e-3);
        assertEquals(1 + 2 * std[0], ind.mean()[0], 1e-9);
        assertEquals(4 * std[1], ind.var(0), 1e-9);
        // ρ = 1: all copies equal, the max is the input
        CovarianceMoments.Moments same = CovarianceMoments.poolMax(in, 4, null, 1);
        assertEquals(1, same.mean()[0], 1e-12);
        assertEquals(9, same.var(1), 1e-12);
        assertEquals(1, same.cov()[1], 1e-12);
        // ρ = 0.5: X_a = μ + σ(√ρ Z + √(1−ρ) Y_a) → mean μ + σ√0.5·E, var σ²(0.5 + 0.5·V); Monte Carlo agrees
        CovarianceMoments.Moments half = CovarianceMoments.poolMax(in, 4, null, 0.5);
        java.util.Random r = new java.util.Random(7);
        int n = 400_000;
        double s1 = 0, s2 = 0;
        for (int i = 0; i < n; i++) {
            double z = r.nextGaussian(), mx = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < 4; a++) mx = Math.max(mx, 1 + 2 * (Math.sqrt(0.5) * z + Math.sqrt(0.5) * r.nextGaussian()));
            s1 += mx;
            s2 += mx * mx;
        }
        double mcMean = s1 / n, mcVar = s2 / n - mcMean * mcMean;
        assertEquals(mcMean, half.mean()[0], 0.01);
        assertEquals(mcVar, half.var(0), 0.02 * mcVar);
    }
}
