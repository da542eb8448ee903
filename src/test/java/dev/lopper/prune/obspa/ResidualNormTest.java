package dev.lopper.prune.obspa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.prune.PruningSession;
import dev.lopper.runtime.CalibrationData;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.RowWeight;
import dev.lopper.task.Progress;

/**
 * The layers whose output reaches a LayerNormalization through additions (a transformer's attention output and FFN
 * output projections) get calibrated moments weighted per position by that normalization's scale, and nothing else does.
 */
class ResidualNormTest {
    static final Path MODELS = Path.of("src/test/resources/models");

    @TempDir
    Path dir;

    private static Map<String, ConsumerLayer> consumers(PruningSession s) {
        ConsumerResolver r = new ConsumerResolver(s.graph());
        Map<String, ConsumerLayer> out = new TreeMap<>();
        for (CoupledGroup g : s.groups()) {
            for (ParamSlice p : g.slices()) {
                if (p.role() == ParamSlice.Role.CONSUMER_WEIGHT) r.resolve(p).ifPresent(l -> out.put(l.node(), l));
            }
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            // post-norm BERT, LayerNorm decomposed (opset 13) and as one op (opset 17)
            "bert_tiny_op13; /layers.0/attention/dense/MatMul /layers.0/output/MatMul /layers.1/attention/dense/MatMul /layers.1/output/MatMul",
            "bert_tiny_op17; /layers.0/attention/dense/MatMul /layers.0/output/MatMul /layers.1/attention/dense/MatMul /layers.1/output/MatMul",
            // pre-norm GPT-2: Gemm on [B·S, F] with Reshapes around it; the residual stream also goes on to the next Add
            "gpt2_tiny_op13; /h.0/Gemm_1 /h.0/attn/Gemm_1 /h.1/Gemm_1 /h.1/attn/Gemm_1",
            "preln_fused_qkv_op13; /fc2/MatMul /fc2_1/MatMul /proj/MatMul /proj_1/MatMul"})
    void theLayersThatWriteIntoTheResidualStreamAreWeighted(String model, String expected) throws Exception {
        PruningSession s = PruningSession.open(MODELS.resolve(model + ".onnx"), Map.of(), Progress.NONE);
        ModelGraph g = s.graph();
        Set<String> weighted = new TreeSet<>();
        for (ConsumerLayer l : consumers(s).values()) {
            RowWeight w = ResidualNorm.of(g, l);
            if (w == null) continue;
            weighted.add(l.node());
            // the weight is read off a normalization's input, over the layer's output width
            assertTrue(g.consumers(w.tensor()).stream().anyMatch(n -> n.opType().equals("LayerNormalization") && n.input(0).equals(w.tensor())),
                    l.node() + " -> " + w);
            assertEquals(l.outputs(), g.shape(w.tensor()).dim(-1));
            assertTrue(w.centered() && w.epsilon() > 0 && w.epsilon() < 1e-4, w.toString());
        }
        assertEquals(new TreeSet<>(List.of(expected.split(" "))), weighted);
    }

    @Test
    void aNetWithoutLayerNormsHasNoWeightedLayers() throws Exception {
        PruningSession s = PruningSession.open(Path.of("samples/digits_cnn.onnx"), Map.of(), Progress.NONE);
        Map<String, ConsumerLayer> all = consumers(s);
        assertTrue(all.size() > 5);
        for (ConsumerLayer l : all.values()) assertNull(ResidualNorm.of(s.graph(), l), l.node());
    }

    @Test
    void rowWeightsAreTheInverseVarianceOrMeanSquareOfEachPosition() {
        var t = dev.lopper.runtime.HostTensor.ofFloats(new long[] {2, 1, 4}, 1, 2, 3, 6, 0, 0, 0, 8);
        double[] ln = new RowWeight("z", true, 1e-3).weights(t);
        double[] rms = new RowWeight("z", false, 0).weights(t);
        assertEquals(2, ln.length);
        assertEquals(1 / (3.5 + 1e-3), ln[0], 1e-12); // mean 3, variance (4 + 1 + 0 + 9) / 4
        assertEquals(1 / (12.0 + 1e-3), ln[1], 1e-12); // mean 2, E[x²] 16
        assertEquals(1 / 12.5, rms[0], 1e-12);
        assertEquals(1 / 16.0, rms[1], 1e-12);
    }

    @Test
    void weightedFoldsLeaveOutExactlyTheirSamples() throws Exception {
        PruningSession s = PruningSession.open(MODELS.resolve("bert_tiny_op13.onnx"), Map.of(), Progress.NONE);
        ConsumerLayer l = consumers(s).get("/layers.0/output/MatMul");
        assertNotNull(ResidualNorm.of(s.graph(), l));
        ConsumerResolver resolver = new ConsumerResolver(s.graph());
        long[][] ids = tokens(23, 16, 5);
        ModelSource ms = ModelSource.of(MODELS.resolve("bert_tiny_op13.onnx"));
        CalibratedMoments.Result split = CalibratedMoments.capture(ms, resolver, List.of(l),
                CalibrationData.of(npz(ids, "all.npz"), Map.of()), Progress.NONE, 4);
        assertEquals(1, split.weighted());
        assertEquals(4, split.folds(l.node()));
        InputMoments whole = split.moments().get(l.node());
        int f = l.features();
        for (int k = 0; k < 4; k++) {
            List<long[]> rest = new ArrayList<>(), held = new ArrayList<>();
            for (int i = 0; i < ids.length; i++) (i % 4 == k ? held : rest).add(ids[i]);
            InputMoments restOnly = CalibratedMoments.capture(ms, resolver, List.of(l),
                    CalibrationData.of(npz(rest.toArray(long[][]::new), "rest" + k + ".npz"), Map.of()), Progress.NONE).moments().get(l.node());
            InputMoments heldOnly = CalibratedMoments.capture(ms, resolver, List.of(l),
                    CalibrationData.of(npz(held.toArray(long[][]::new), "held" + k + ".npz"), Map.of()), Progress.NONE).moments().get(l.node());
            InputMoments fitted = split.fitted(l.node(), k), heldSplit = split.heldOut(l.node(), k);
            for (int i = 0; i < f * f; i++) {
                double scale = 1e-9 * (1 + Math.abs(whole.secondMoment()[i]));
                assertEquals(restOnly.secondMoment()[i], fitted.secondMoment()[i], scale);
                assertEquals(heldOnly.secondMoment()[i], heldSplit.secondMoment()[i], scale);
            }
            for (int i = 0; i < f; i++) assertEquals(restOnly.mean()[i], fitted.mean()[i], 1e-9 * (1 + Math.abs(whole.mean()[i])));
        }
        // the weights change the moments: without them E[h hᵀ] is another matrix
        boolean was = CalibratedMoments.WEIGHT_BY_NORM;
        InputMoments plain;
        try {
            CalibratedMoments.WEIGHT_BY_NORM = false;
            CalibratedMoments.Result r = CalibratedMoments.capture(ms, resolver, List.of(l), CalibrationData.of(npz(ids, "all.npz"), Map.of()),
                    Progress.NONE, 4);
            assertEquals(0, r.weighted());
            plain = r.moments().get(l.node());
        } finally {
            CalibratedMoments.WEIGHT_BY_NORM = was;
        }
        double diff = 0, norm = 0;
        for (int i = 0; i < f * f; i++) {
            diff += Math.abs(plain.secondMoment()[i] - whole.secondMoment()[i]);
            norm += Math.abs(plain.secondMoment()[i]);
        }
        assertTrue(diff > 1e-3 * norm, "weighted and plain second moments differ by " + diff / norm);
    }

    /** Seeded token ids over the model's 128-row vocabulary, mask ones, token types zero (the first token a [CLS]-like 1). */
    static long[][] tokens(int n, int len, long seed) {
        Random r = new Random(seed);
        long[][] ids = new long[n][len];
        for (long[] row : ids) {
            for (int j = 0; j < len; j++) row[j] = j == 0 ? 1 : 2 + r.nextInt(126);
        }
        return ids;
    }

    private Path npz(long[][] ids, String name) throws Exception {
        return dev.lopper.runtime.TestNpz.tokens(dir.resolve(name), ids);
    }
}
