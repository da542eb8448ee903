package dev.lopper.prune.obspa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.importance.Weights;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.prune.PruningSession;
import dev.lopper.task.Progress;

/**
 * Data-free BatchNormalization re-estimation runs beside the compensation loop, handed each consumer's new constants
 * as they are solved: the statistics written are, bit for bit, those of re-estimating the finished edits afterwards.
 */
class CompensationReestimationTest {
    @TempDir
    Path dir;

    @Test
    void reestimationBesideTheLoopGivesTheStatisticsOfReestimatingAfterIt() throws Exception {
        PruningSession s = PruningSession.open(Path.of("samples", "digits_cnn.onnx"), Map.of(), Progress.NONE);
        GraphObspaSource src = Obspa.source(s, null, Map.of(), ObsLayer.DEFAULT_DAMPING, Progress.NONE);
        Map<String, int[]> kept = new LinkedHashMap<>();
        for (CoupledGroup g : s.groups()) if (g.isPrunable()) kept.put(g.id(), IntStream.range(0, (g.channels() + 1) / 2).toArray());
        Compensation.Result r = Compensation.apply(s.graph().model().proto(), s.analysis(), src, kept);
        assertTrue(r.skipped().isEmpty(), r.skipped().toString());
        assertTrue(r.note().contains("BatchNormalization statistics re-estimated"), r.note());

        Path out = dir.resolve("compensated.onnx");
        Files.write(out, r.model().toByteArray());
        ModelGraph g0 = s.graph(), g1 = PruningSession.open(out, Map.of(), Progress.NONE).graph();
        Weights w0 = Weights.of(g0), w1 = Weights.of(g1);
        Set<String> statistics = new HashSet<>();
        for (Node n : g0.nodes()) {
            if (!n.opType().equals("BatchNormalization")) continue;
            statistics.add(n.input(3));
            statistics.add(n.input(4));
        }
        // the loop's edits: every constant that moved, the BatchNormalization statistics aside
        Map<String, float[]> edits = new HashMap<>();
        for (TensorProto t : r.model().getGraph().getInitializerList()) {
            if (statistics.contains(t.getName())) continue;
            float[] before = w0.get(t.getName()).values(), after = w1.get(t.getName()).values();
            if (!Arrays.equals(before, after)) edits.put(t.getName(), after);
        }
        assertTrue(!edits.isEmpty());
        Map<String, float[][]> after = CovarianceMoments.reestimate(g0, w0, src.fullMoments(), edits);
        int written = 0;
        for (Node n : g0.nodes()) {
            if (!n.opType().equals("BatchNormalization")) continue;
            float[] m = w1.get(n.input(3)).values(), v = w1.get(n.input(4)).values();
            if (Arrays.equals(m, w0.get(n.input(3)).values()) && Arrays.equals(v, w0.get(n.input(4)).values())) continue;
            assertArrayEquals(after.get(n.name())[0], m, 0f, n.name());
            assertArrayEquals(after.get(n.name())[1], v, 0f, n.name());
            written++;
        }
        assertTrue(written > 0);
    }
}
