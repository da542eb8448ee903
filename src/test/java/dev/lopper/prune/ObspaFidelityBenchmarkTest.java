package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.ModelVerifier;
import dev.lopper.runtime.OutputFidelity;
import dev.lopper.runtime.VerificationResult;
import dev.lopper.runtime.VerifyOptions;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.prune.obspa.ObsLayer;
import dev.lopper.prune.obspa.Obspa;
import dev.lopper.task.Progress;

/**
 * Fidelity of L1 pruning with and without the (single) OBSPA compensation of the consumers, H data-free (what
 * {@code lopper prune --compensate} uses without --calibration), measured on seeded inputs. Prints relative L2 error
 * and cosine of the first output. Run: {@code mvn -B -o test -Dtest=ObspaFidelityBenchmarkTest -Dlopper.bench=true -Dgroups=bench}.
 */
@Tag("bench")
@EnabledIfSystemProperty(named = "lopper.bench", matches = "true")
class ObspaFidelityBenchmarkTest {
    @ParameterizedTest
    @ValueSource(strings = {"resnet18_slim_op13.onnx", "resnet50_slim_op13.onnx", "mobilenet_v2_w025_op13.onnx", "vgg_slim_op13.onnx",
            "alexnet_slim_op13.onnx", "regnet_x_slim_op13.onnx", "bert_tiny_op13.onnx", "convnext_slim_op13.onnx"})
    void l1VersusL1WithCompensation(String file) throws Exception {
        Path model = Path.of("src/test/resources/models", file);
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        ScoringOptions so = ScoringOptions.defaults();
        var scores = s.score(so, Progress.NONE);
        VerifyOptions d = VerifyOptions.DEFAULT;
        VerifyOptions eval = new VerifyOptions(d.session(), d.shapes(), d.ints(), 7, 0);
        Obspa.Step step = Obspa.compensation(s, Obspa.source(s, null, Map.of(), ObsLayer.DEFAULT_DAMPING, Progress.NONE));
        for (double ratio : new double[] {0.1, 0.3, 0.5}) {
            Planner.Result r = s.plan(scores, so, PruningSettings.ratio(ratio).withRoundTo(1), Progress.NONE);
            s.setCompensation(null);
            VerificationResult plain = ModelVerifier.verify(ModelSource.of(model),
                    ModelSource.of(s.rewrite(r.plan().groups()), model.toAbsolutePath().getParent(), "l1"), eval);
            s.setCompensation(step);
            VerificationResult comp = ModelVerifier.verify(ModelSource.of(model),
                    ModelSource.of(s.rewrite(r.plan().groups()), model.toAbsolutePath().getParent(), "l1+obspa"), eval);
            assertTrue(plain.ok() && comp.ok(), plain.error() + " / " + comp.error());
            OutputFidelity a = plain.fidelity().get(0), b = comp.fidelity().get(0);
            System.out.printf("OBSPA %-28s ratio %.1f: L1 relL2 %.4f cos %.4f | L1+OBSPA relL2 %.4f cos %.4f | %d consumers compensated, %d skipped%n",
                    file, ratio, a.relL2(), a.cosine(), b.relL2(), b.cosine(), step.last().compensated().size(), step.last().skipped().size());
        }
    }
}
