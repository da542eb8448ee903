package dev.lopper.eval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.prune.PruningSession;
import dev.lopper.task.Progress;

class ConvNetModelsTest {
    @TempDir
    Path dir;

    private PruningSession open(String name, dev.lopper.onnx.proto.Onnx.ModelProto m) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, m.toByteArray());
        return PruningSession.open(f, Map.of(), Progress.NONE);
    }

    @Test
    void residualStackHasTheAskedNodeCount() throws Exception {
        PruningSession s = open("r.onnx", ConvNetModels.residualStack(40));
        assertEquals(5 * 40 + 4, s.graph().nodes().size());
        // every block's first conv is its own group; the residual stream is one more
        assertEquals(41, s.groups().stream().filter(g -> g.isPrunable()).count());
    }

    @Test
    void resnet50HasTorchvisionsParameterCountWithBatchNormFolded() throws Exception {
        // torchvision resnet50: 25,557,032 parameters, of which 53,120 are BN scale/shift of 26,560 channels;
        // folded, each of those channels keeps one conv bias instead
        PruningSession s = open("resnet.onnx", ConvNetModels.resnet50(0, 64));
        assertEquals(25_557_032L - 53_120 + 26_560, s.before().params());
    }

    @Test
    void mobileNetV2HasTorchvisionsParameterCountWithBatchNormFolded() throws Exception {
        // torchvision mobilenet_v2: 3,504,872 parameters, of which 34,112 are BN scale/shift of 17,056 channels
        PruningSession s = open("mobilenet.onnx", ConvNetModels.mobileNetV2(0, 64));
        assertEquals(3_504_872L - 34_112 + 17_056, s.before().params());
        // half the width: about a quarter of the MACs
        PruningSession h = open("mobilenet_half.onnx", ConvNetModels.mobileNetV2(0.5, 64));
        double r = (double) h.before().macs() / s.before().macs();
        assertTrue(r > 0.2 && r < 0.35, "MACs ratio " + r);
    }
}
