package dev.lopper.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.task.Progress;

class VerifyCaptureProfileTest {
    @TempDir
    Path tmp;

    static ModelSource src(ModelProto m, String label) { return ModelSource.of(m, null, label); }

    @Test
    void verifierAcceptsAnEquivalentCandidate() {
        VerificationResult r = ModelVerifier.verify(src(TinyModels.diagonalMatMul(1, 2, 3, 4), "orig"),
                src(TinyModels.diagonalMatMul(1, 2, 3, 4), "cand"), VerifyOptions.DEFAULT);
        assertTrue(r.ok(), r.error());
        assertNull(r.error());
        assertEquals(1, r.outputs().size());
        assertArrayEquals(new long[] {1, 4}, r.outputs().get(0).actualShape());
        assertEquals(1.0, r.fidelity().get(0).cosine(), 1e-12);
        assertTrue(r.originalMs() > 0 && r.candidateMs() > 0);
    }

    @Test
    void verifierNamesWhatIsWrong() {
        ModelSource orig = src(TinyModels.ones(4, "x"), "orig");
        VerificationResult shape = ModelVerifier.verify(orig, src(TinyModels.ones(3, "x"), "cand"), VerifyOptions.DEFAULT);
        assertFalse(shape.ok());
        assertEquals("output 'y' has shape 1x3, the original's is 1x4", shape.error());
        assertFalse(shape.outputs().get(0).shapeMatches());

        VerificationResult junk = ModelVerifier.verify(orig, ModelSource.of(new byte[] {9, 9, 9}, null, "junk"), VerifyOptions.DEFAULT);
        assertFalse(junk.ok());
        assertTrue(junk.error().startsWith("candidate does not load: junk: ONNX Runtime cannot load the model"), junk.error());

        VerificationResult input = ModelVerifier.verify(orig, src(TinyModels.ones(4, "image"), "cand"), VerifyOptions.DEFAULT);
        assertEquals("candidate has no input 'x'", input.error());

        VerificationResult nan = ModelVerifier.verify(src(TinyModels.diagonalMatMul(1, 1, 1, 1), "o"),
                src(TinyModels.diagonalMatMul(1, 1, 1, Float.NaN), "c"), VerifyOptions.DEFAULT);
        assertEquals("output 'y' has NaN or infinite values where the original's are finite", nan.error());
    }

    /**
     * Conv 1x1 with W = [[1, 0], [0, -1]] then Relu, on x = [[1, -2]], [[3, 0]] (N=1, C=2, H=1, W=2):
     * conv_out ch0 = [1, -2], ch1 = [-3, 0]; y = relu: ch0 = [1, 0], ch1 = [0, 0].
     */
    @Test
    void activationCaptureStatisticsByHand() {
        List<CaptureRequest> req = List.of(new CaptureRequest("conv_out", 1, true), CaptureRequest.of("y", 1),
                CaptureRequest.of("x", 1));
        try (ActivationCapture cap = ActivationCapture.open(src(TinyModels.convRelu(), "conv"), req, SessionConfig.DEFAULT)) {
            cap.accumulate(Map.of("x", HostTensor.ofFloats(new long[] {1, 2, 1, 2}, 1, -2, 3, 0)));
            Map<String, ChannelStats> s = cap.statistics();
            ChannelStats c = s.get("conv_out");
            assertEquals(2, c.channels());
            assertEquals(2, c.count());
            assertArrayEquals(new double[] {-0.5, -1.5}, c.mean(), 1e-12);
            assertArrayEquals(new double[] {1.5, 1.5}, c.meanAbs(), 1e-12);
            assertArrayEquals(new double[] {0, 0.5}, c.zeroFraction(), 1e-12);
            assertArrayEquals(new double[] {2.5, 4.5}, c.meanSquare(), 1e-12);
            assertArrayEquals(new double[] {2.5, -1.5, -1.5, 4.5}, c.secondMoment(), 1e-12);
            assertEquals(-1.5 - (-0.5 * -1.5), c.covariance(0, 1), 1e-12);
            assertEquals(2.5 - 0.25, c.variance(0), 1e-12);
            ChannelStats y = s.get("y");
            assertArrayEquals(new double[] {0.5, 0}, y.mean(), 1e-12);
            assertArrayEquals(new double[] {0.5, 1.0}, y.zeroFraction(), 1e-12);
            assertNull(y.secondMoment());
            assertArrayEquals(new double[] {-0.5, 1.5}, s.get("x").mean(), 1e-12);
            // a second batch accumulates
            cap.accumulate(Map.of("x", HostTensor.ofFloats(new long[] {1, 2, 1, 2}, 3, 3, 0, 0)));
            ChannelStats c2 = cap.statistics().get("conv_out");
            assertEquals(4, c2.count());
            assertArrayEquals(new double[] {(1 - 2 + 3 + 3) / 4.0, -3 / 4.0}, c2.mean(), 1e-12);
        }
        EvalException e = assertThrows(EvalException.class,
                () -> ActivationCapture.open(src(TinyModels.convRelu(), "conv"), List.of(CaptureRequest.of("nope", 1)), SessionConfig.DEFAULT));
        assertEquals("no node of the main graph produces tensor 'nope'", e.getMessage());
    }

    /** The decomposed LayerNorm of the sample encoder is one standardized node: it gets its parts' summed time. */
    @Test
    void profileMapsOntoTheStandardizedGraph() throws Exception {
        Path file = Path.of("samples/tiny_encoder.onnx");
        NodeProfile p = NodeProfiler.profile(ModelSource.of(file), SessionConfig.DEFAULT.withThreads(1), null,
                new LatencyOptions(1, 3), null, Progress.NONE);
        ModelGraph std = dev.lopper.graph.GraphLoader.load(OnnxModel.read(file), Map.of());
        Map<String, NodeTime> mapped = p.byGraphNode(std);
        assertTrue(mapped.size() < p.nodes().size(), mapped.size() + " logical nodes for " + p.nodes().size() + " profiled");
        assertTrue(mapped.values().stream().anyMatch(t -> t.opType().equals("LayerNormalization")), mapped.values().toString());
        double mappedTotal = mapped.values().stream().mapToDouble(NodeTime::micros).sum();
        assertTrue(mappedTotal <= p.kernelMicros() + 1e-6 && mappedTotal > 0.5 * p.kernelMicros());
    }

    /** x = [[1, 2], [3, 4]] (one channel). */
    @Test
    void patchSecondMomentsByHand() {
        HostTensor x = HostTensor.ofFloats(new long[] {1, 1, 2, 2}, 1, 2, 3, 4);
        PatchStatsAccumulator valid = new PatchStatsAccumulator("x", ConvPatch.of(2, 1, 0));
        valid.add(x);
        PatchStats v = valid.result();
        assertEquals(1, v.count());
        assertEquals(4, v.features());
        assertArrayEquals(new double[] {1, 2, 3, 4}, v.mean(), 0);
        assertEquals(2 * 3, v.secondMoment(1, 2), 0);
        assertEquals(4 * 4, v.secondMoment(3, 3), 0);
        // pad 1: a 3x3 grid of patches; tap (0,0) sees x[oh-1, ow-1]: 1, 2, 3, 4 at the four lower-right positions
        PatchStatsAccumulator padded = new PatchStatsAccumulator("x", ConvPatch.of(2, 1, 1));
        padded.add(x);
        PatchStats p = padded.result();
        assertEquals(9, p.count());
        assertEquals(10 / 9.0, p.mean()[0], 1e-12);
        assertEquals(30 / 9.0, p.secondMoment(0, 0), 1e-12);
        // taps (0,0) and (0,1) hold horizontal neighbours: pairs (1,2) and (3,4) appear together once each
        assertEquals((1 * 2 + 3 * 4) / 9.0, p.secondMoment(0, 1), 1e-12);
        // stride 2, dilation 1 on a 2-channel input: features ordered (c, ky, kx)
        PatchStatsAccumulator two = new PatchStatsAccumulator("y", new ConvPatch(1, 2, 1, 1, 0, 0, 0, 0, 1, 1));
        two.add(HostTensor.ofFloats(new long[] {1, 2, 1, 2}, 1, 2, 5, 6));
        PatchStats t = two.result();
        assertArrayEquals(new double[] {1, 2, 5, 6}, t.mean(), 0);
        assertEquals(2 * 5, t.secondMoment(1, 2), 0);
    }

    @Test
    void profileNamesAreGraphNodeNames() throws Exception {
        ModelProto m = TinyModels.convRelu(); // both nodes are unnamed
        Path file = tmp.resolve("conv.onnx");
        Files.write(file, m.toByteArray());
        Set<String> graphNames = ModelGraph.raw(OnnxModel.read(file)).nodes().stream().map(Node::name).collect(Collectors.toSet());
        assertEquals(Set.of("Conv_0", "Relu_1"), graphNames);
        Map<String, HostTensor> in = Map.of("x", HostTensor.allocate(TinyModels.FLOAT, 1, 2, 16, 16));
        NodeProfile p = NodeProfiler.profile(ModelSource.of(file), SessionConfig.DEFAULT, in, new LatencyOptions(2, 5), null, Progress.NONE);
        assertEquals(5, p.runs());
        assertEquals(graphNames, p.nodes().stream().map(NodeTime::node).collect(Collectors.toSet()));
        assertEquals("Conv", p.nodes().stream().filter(n -> n.node().equals("Conv_0")).findFirst().orElseThrow().opType());
        assertTrue(p.nodes().stream().allMatch(n -> n.micros() > 0));
        assertTrue(p.meanRunMicros() >= p.kernelMicros() * 0.5);
        // a raw graph maps one to one
        Map<String, NodeTime> mapped = p.byGraphNode(ModelGraph.raw(OnnxModel.read(file)));
        assertEquals(graphNames, mapped.keySet());
        assertEquals(p.kernelMicros(), mapped.values().stream().mapToDouble(NodeTime::micros).sum(), 1e-6);
        try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("lopper-profile")
                    && Files.isDirectory(f) && f.toFile().list().length > 0), "profile files are removed");
        }
    }
}
