package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.runtime.ModelVerifier;
import dev.lopper.runtime.VerifyOptions;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.onnx.ModelReader;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.task.Progress;

/**
 * The cold-start path of {@code lopper prune -o}: the original's ONNX Runtime run prepared on another thread while
 * the model is analyzed and planned ({@link PruningSession#open(Path, Map, Progress, VerifyOptions)}) must give
 * exactly what the plain path gives: the same plan, the same verification figures, the same bytes written.
 */
class ColdStartTest {
    @TempDir
    Path tmp;

    @Test
    void prefetchedVerificationMatchesThePlainPath() throws Exception {
        // digits: float input; tiny encoder: integer token ids (index ranges taken from the embedding table)
        for (String name : List.of("digits_cnn.onnx", "tiny_encoder.onnx")) {
            Path model = Path.of("samples", name);
            VerifyOptions vo = new VerifyOptions(VerifyOptions.DEFAULT.session(), VerifyOptions.DEFAULT.shapes(), null, 7, 0);
            PruneRequest req = PruneRequest.of(ScoringOptions.defaults(), PruningSettings.ratio(0.4)).withVerify(vo);
            PruneResult plain;
            PruningSession s1 = PruningSession.open(model, Map.of(), Progress.NONE);
            plain = s1.prune(s1.plan(req, Progress.NONE), Progress.NONE);
            s1.write(plain.outcome(), tmp.resolve("plain_" + name), Progress.NONE);
            PruneResult pre;
            try (PruningSession s2 = PruningSession.open(model, Map.of(), Progress.NONE, vo)) {
                pre = s2.prune(s2.plan(req, Progress.NONE), Progress.NONE);
                s2.write(pre.outcome(), tmp.resolve("pre_" + name), Progress.NONE);
            }
            assertTrue(plain.verified() && pre.verified(), name);
            assertEquals(PlanFiles.toJson(plain.plan()), PlanFiles.toJson(pre.plan()), name);
            Verification a = plain.outcome().verification(), b = pre.outcome().verification();
            assertEquals(a.maxAbsDiff(), b.maxAbsDiff(), name);
            assertEquals(a.relL2(), b.relL2(), name);
            assertTrue(a.maxAbsDiff().values().stream().allMatch(d -> d > 0), name + ": a 40 % prune changes the outputs");
            assertArrayEquals(Files.readAllBytes(tmp.resolve("plain_" + name)), Files.readAllBytes(tmp.resolve("pre_" + name)), name);
        }
    }

    @Test
    void oneReferenceServesEveryCandidate() throws Exception {
        // the reference is opened once and reused: checking the same candidate twice (as the search for failing
        // groups does) gives the same figures as two fresh verifications
        Path model = Path.of("samples", "digits_cnn.onnx");
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        PruneRequest req = PruneRequest.of(ScoringOptions.defaults(), PruningSettings.ratio(0.5));
        byte[] candidate = s.rewrite(s.plan(req, Progress.NONE).plan().groups()).toByteArray();
        VerifyOptions vo = EvalModelCheck.noTiming(VerifyOptions.DEFAULT);
        OnnxModel checked = ModelReader.read(model);
        try (ModelVerifier.Prefetch ref = ModelVerifier.prefetch(checked, vo)) {
            EvalModelCheck shared = new EvalModelCheck(ref, checked.baseDir());
            EvalModelCheck fresh = new EvalModelCheck(dev.lopper.runtime.ModelSource.of(model), checked.baseDir(), vo);
            Verification first = shared.verify(candidate), second = shared.verify(candidate), alone = fresh.verify(candidate);
            assertTrue(first.ok() && second.ok() && alone.ok());
            assertEquals(alone.maxAbsDiff(), first.maxAbsDiff());
            assertEquals(alone.maxAbsDiff(), second.maxAbsDiff());
            assertEquals(alone.cosine(), second.cosine());
        }
    }

    @Test
    void anOriginalOnnxRuntimeCannotLoadFailsTheSameWay() throws Exception {
        // Lopper reads this model (an op it does not know just locks groups), ONNX Runtime refuses it: the
        // prefetched path must report the same one line as the plain path, at verification
        ModelProto digits = ModelReader.read(Path.of("samples", "digits_cnn.onnx")).proto();
        ModelProto.Builder b = digits.toBuilder();
        NodeProto last = b.getGraph().getNode(b.getGraph().getNodeCount() - 1);
        String out = last.getOutput(0);
        b.getGraphBuilder().setNode(b.getGraph().getNodeCount() - 1, last.toBuilder().setOutput(0, out + "_raw"));
        b.getGraphBuilder().addNode(NodeProto.newBuilder().setOpType("NoSuchOpAnywhere").setName("mystery")
                .addInput(out + "_raw").addOutput(out));
        Path bad = tmp.resolve("unknown_op.onnx");
        Files.write(bad, b.build().toByteArray());
        OnnxModel checked = ModelReader.read(bad);
        byte[] candidate = checked.proto().toByteArray();
        VerifyOptions vo = EvalModelCheck.noTiming(VerifyOptions.DEFAULT);
        PlanException plain = assertThrows(PlanException.class,
                () -> new EvalModelCheck(dev.lopper.runtime.ModelSource.of(bad), checked.baseDir(), vo).verify(candidate));
        try (ModelVerifier.Prefetch ref = ModelVerifier.prefetch(checked, vo)) {
            PlanException pre = assertThrows(PlanException.class, () -> new EvalModelCheck(ref, checked.baseDir()).verify(candidate));
            assertEquals(plain.getMessage(), pre.getMessage());
        }
        assertTrue(plain.getMessage().startsWith("cannot verify: the original model does not run in ONNX Runtime"), plain.getMessage());
        assertTrue(plain.getMessage().contains("NoSuchOpAnywhere"), plain.getMessage());
    }
}
