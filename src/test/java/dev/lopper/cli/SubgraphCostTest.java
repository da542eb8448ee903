package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lopper.eval.ModelMacs;
import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.Metrics;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.prune.PruningSession;
import dev.lopper.task.Progress;

/**
 * Weights and MACs inside If/Loop bodies count by the one cost definition: params of both branches, MACs of the
 * larger branch, a Loop's body times its constant trip count; inspect, groups, bench and the planner agree.
 */
class SubgraphCostTest {
    static final Path DIR = Path.of("src/test/resources/models");
    static final ObjectMapper JSON = new ObjectMapper();

    /** Asserts inspect = groups = bench = planner on params and MACs; returns the If/Loop node's cost. */
    private static Metrics.NodeCost assertCounts(String file, long params, long macs, String controlNode) throws Exception {
        Path model = DIR.resolve(file);
        CliRun inspect = CliRun.of("inspect", model.toString(), "--json");
        assertEquals(0, inspect.code(), inspect.err());
        JsonNode in = JSON.readTree(inspect.out());
        assertEquals(params, in.get("params").asLong(), file + ": inspect params");
        assertEquals(macs, in.get("macs").asLong(), file + ": inspect MACs");
        assertTrue(in.get("uncountedOps").isEmpty(), file + ": " + in.get("uncountedOps"));
        ModelMacs.Count bench = ModelMacs.count(model, Map.of());
        assertEquals(macs, bench.macs(), file + ": bench");
        CliRun groups = CliRun.of("groups", model.toString(), "--json");
        assertEquals(0, groups.code(), groups.err());
        JsonNode sum = JSON.readTree(groups.out()).get("summary");
        assertEquals(macs, sum.get("totalMacs").asLong(), file + ": groups MACs");
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        assertEquals(macs, s.before().macs(), file + ": planner MACs");
        assertEquals(macs, s.costModel().count(Map.of()).macs(), file + ": planner counter MACs");
        Metrics.Report r = Metrics.of(GraphLoader.load(OnnxModel.read(model), Map.of()));
        return r.perNode().stream().filter(c -> c.node().equals(controlNode)).findFirst().orElseThrow();
    }

    @Test
    void convsInBothBranchesCountParamsOfBothAndMacsOfTheLarger() throws Exception {
        // stem 4x3x3x3+4 = 112, then 8x4x3x3+8 = 296 (body initializers), else 8x4x1x1 (Constant node) + 8 = 40,
        // head 2x8+2 = 18; MACs: stem 4*64*27 = 6,912, then 8*64*36 + relu 512 = 18,944 (else 2,048 + 512), head 1,024
        Metrics.NodeCost ifCost = assertCounts("if_convs_op13.onnx", 466, 26_880, "If_1");
        assertEquals(18_944, ifCost.macs());
        assertEquals(336, ifCost.params());
        PruningSession s = PruningSession.open(DIR.resolve("if_convs_op13.onnx"), Map.of(), Progress.NONE);
        assertEquals(466, s.before().params(), "planner params");
        CliRun groups = CliRun.of("groups", DIR.resolve("if_convs_op13.onnx").toString(), "--json");
        assertEquals(466, JSON.readTree(groups.out()).get("summary").get("totalParams").asLong(), "groups params");
    }

    @Test
    void torchIfBranchCountsTheLiftedBranchWeights() throws Exception {
        // bright 16x16x3x3+16 = 2,320 and dark 16x16+16 = 272 next to stem 448 and head 68; MACs per batch unit:
        // 139,265 outside + the bright branch 4,096 x 144 = 589,824 (dark: 65,536 + Mul 4,096)
        Metrics.NodeCost ifCost = assertCounts("if_branch_op13.onnx", 3_108, 729_089, "/If");
        assertEquals(589_824, ifCost.macs());
        assertEquals(2_592, ifCost.params());
    }

    @Test
    void loopCountsItsBodyTimesTheTripCount() throws Exception {
        Metrics.NodeCost loop = assertCounts("loop_matmul_op13.onnx", 16, 48, "Loop_0");
        assertEquals(48, loop.macs());
        assertEquals(16, loop.params());
    }

    @Test
    void scanCountsItsBodyTimesTheScannedLength() throws Exception {
        // per slice: MatMul [1,4]x[4,4] = 16 + Add 4; 3 slices
        Metrics.NodeCost scan = assertCounts("scan_matmul_op13.onnx", 16, 60, "Scan_0");
        assertEquals(60, scan.macs());
        assertEquals(16, scan.params());
    }

    /** The test models are real: ONNX Runtime runs them (both branches of the If, the Loop and the Scan). */
    @Test
    void theTestModelsRunInOnnxRuntime() throws Exception {
        ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        float[][] outs = new float[2][];
        try (ai.onnxruntime.OrtSession s = env.createSession(DIR.resolve("if_convs_op13.onnx").toString())) {
            float[] x = new float[3 * 64];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
            for (int b = 0; b < 2; b++) {
                try (var xt = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(x), new long[] {1, 3, 8, 8});
                     var ct = ai.onnxruntime.OnnxTensor.createTensor(env, b == 0);
                     var r = s.run(Map.of("x", xt, "cond", ct))) {
                    var y = (ai.onnxruntime.OnnxTensor) r.get(0);
                    assertEquals(java.util.List.of(1L, 2L, 8L, 8L), java.util.Arrays.stream(y.getInfo().getShape()).boxed().toList());
                    java.nio.FloatBuffer fb = y.getFloatBuffer();
                    outs[b] = new float[fb.remaining()];
                    fb.get(outs[b]);
                }
            }
        }
        assertTrue(!java.util.Arrays.equals(outs[0], outs[1]), "both branches run and differ");
        for (String f : new String[] {"loop_matmul_op13.onnx", "scan_matmul_op13.onnx"}) {
            var out = dev.lopper.testutil.Oracle.run(java.nio.file.Files.readAllBytes(DIR.resolve(f)), 1, 1);
            assertTrue(!out.isEmpty(), f);
        }
    }
}
