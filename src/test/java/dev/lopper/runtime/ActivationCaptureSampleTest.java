package dev.lopper.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.task.Progress;

/** Activation statistics on the bundled digits CNN (a real PyTorch export) over its test set. */
class ActivationCaptureSampleTest {
    static final String BN = "/stem/stem.1/BatchNormalization_output_0";
    static final String RELU = "/stem/stem.2/Relu_output_0";

    @Test
    void statisticsOverTheDigitsTestSet() {
        ModelSource model = ModelSource.of(Path.of("samples/digits_cnn.onnx"));
        List<CaptureRequest> req = List.of(new CaptureRequest(BN, 1, true), CaptureRequest.convInput(RELU, ConvPatch.of(3, 1, 1)));
        try (ActivationCapture cap = ActivationCapture.open(model, req, SessionConfig.DEFAULT)) {
            List<DataTarget> targets = DataTarget.of(cap.inputs(), ShapePolicy.DEFAULT);
            long n;
            try (Dataset d = Datasets.open(Path.of("samples/digits_test.csv"), DataOptions.DEFAULT, targets)) {
                n = cap.accumulate(d, 50, Progress.NONE);
            }
            assertEquals(360, n);
            Map<String, ChannelStats> s = cap.statistics();
            ChannelStats bn = s.get(BN);
            ChannelStats relu = s.get(RELU);
            HostTensor one = cap.run(Map.of("input", HostTensor.allocate(TinyModels.FLOAT, 1, 1, 8, 8))).get(RELU);
            long positions = one.size() / one.dim(1);
            assertEquals(24, bn.channels());
            assertEquals(360 * positions, bn.count());
            double apozSum = 0;
            for (int c = 0; c < bn.channels(); c++) {
                // relu(x) = (x + |x|) / 2, so E[relu(x)] = (E[x] + E|x|) / 2 exactly
                assertEquals((bn.mean()[c] + bn.meanAbs()[c]) / 2, relu.mean()[c], 1e-9 * (1 + relu.meanAbs()[c]));
                assertTrue(relu.meanSquare()[c] <= bn.meanSquare()[c] + 1e-9);
                assertEquals(bn.meanSquare()[c], bn.secondMoment(c, c), 1e-9 * (1 + bn.meanSquare()[c]));
                assertTrue(bn.covariance(c, c) >= -1e-9);
                assertTrue(relu.zeroFraction()[c] >= 0 && relu.zeroFraction()[c] <= 1);
                apozSum += relu.zeroFraction()[c];
            }
            double apoz = apozSum / bn.channels();
            assertTrue(apoz > 0.05 && apoz < 0.95, "mean APoZ after the stem ReLU " + apoz);
            // the patches the next 3x3 conv (pad 1) sees: the centre tap is never padding, so its E[p²] is E[x²]
            PatchStats patches = cap.patchStatistics().get(RELU);
            assertEquals(24 * 9, patches.features());
            assertEquals(360 * positions, patches.count());
            for (int c = 0; c < 24; c++) {
                int centre = c * 9 + 4;
                assertEquals(relu.meanSquare()[c], patches.secondMoment(centre, centre), 1e-9 * (1 + relu.meanSquare()[c]));
                assertEquals(relu.mean()[c], patches.mean()[centre], 1e-9 * (1 + relu.meanAbs()[c]));
                assertTrue(patches.secondMoment(c * 9, c * 9) <= relu.meanSquare()[c] + 1e-9, "a corner tap sees padding zeros");
            }
            for (int i = 0; i < 24; i++) {
                for (int j = 0; j < 24; j++) assertEquals(bn.secondMoment(i, j), bn.secondMoment(j, i));
            }
        }
    }
}
