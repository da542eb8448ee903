package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.ShapePolicy;
import dev.lopper.runtime.VerifyOptions;
import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.IndexMap;
import dev.lopper.analysis.Member;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.task.Progress;

class VerificationTest {
    static final ModelProto MLP = TinyModels.mlp();
    // the hidden features: W1 columns, W2 rows
    static final CoupledGroup HIDDEN = new CoupledGroup("hidden", 3, List.of(new Member("mm1", "h", 1, IndexMap.IDENTITY)),
            List.of(new ParamSlice("mm1", "W1", 1, IndexMap.IDENTITY, Role.PRODUCER_WEIGHT),
                    new ParamSlice("mm2", "W2", 0, IndexMap.IDENTITY, Role.CONSUMER_WEIGHT)), List.of(), 6, 6, 1, 1);
    // a wrong group: it claims the output features, so removing them changes the output shape
    static final CoupledGroup WRONG = new CoupledGroup("wrong", 2, List.of(new Member("mm2", "y", 1, IndexMap.IDENTITY)),
            List.of(new ParamSlice("mm2", "W2", 1, IndexMap.IDENTITY, Role.PRODUCER_WEIGHT)), List.of(), 3, 3, 1, 1);
    static final List<CoupledGroup> GROUPS = List.of(HIDDEN, WRONG);

    static PruningPlan plan(Map<String, GroupPlan> g) { return new PruningPlan("x", "mlp.onnx", PlanSettings.manual(), g); }

    static ModelCheck verifier() {
        VerifyOptions o = VerifyOptions.DEFAULT;
        return new EvalModelCheck(ModelSource.of(MLP, null, "mlp"), null,
                new VerifyOptions(o.session(), ShapePolicy.of(Map.of("x", new long[] {5, 4}), 1), o.ints(), 1, 0));
    }

    @Test
    void emptyPlanReproducesOutputsExactlyAndPrunedModelKeepsShapes() {
        { ModelCheck v = verifier();
            Verification same = v.verify(TinyModels.slice(MLP, GROUPS, Map.of()).toByteArray());
            assertTrue(same.ok());
            assertEquals(0.0, same.maxAbsDiff().get("y"));
            Verification pruned = v.verify(TinyModels.slice(MLP, GROUPS, Map.of("hidden", new GroupPlan("hidden", 3, new int[] {0, 2}))).toByteArray());
            assertTrue(pruned.ok(), pruned.problem());
            assertArrayEquals(new long[] {5, 2}, pruned.shapes().get("y"));
            assertTrue(pruned.maxAbsDiff().get("y") > 0);
        }
    }

    @Test
    void failingGroupIsNamedAndCanBeLocked() {
        Map<String, GroupPlan> g = new java.util.LinkedHashMap<>();
        g.put("hidden", new GroupPlan("hidden", 3, new int[] {1, 2}));
        g.put("wrong", new GroupPlan("wrong", 2, new int[] {0}));
        PlanExecution.Rewriter rw = p -> TinyModels.slice(MLP, GROUPS, p);
        { ModelCheck v = verifier();
            PlanExecution.Outcome fail = PlanExecution.run(plan(g), rw, v, false, Progress.NONE);
            assertFalse(fail.verified());
            assertNull(fail.model());
            assertEquals(List.of("wrong"), List.copyOf(fail.failing().keySet()));
            assertEquals("output 'y' has shape 5x1, the original's is 5x2", fail.failing().get("wrong"));

            PlanExecution.Outcome locked = PlanExecution.run(plan(g), rw, v, true, Progress.NONE);
            assertTrue(locked.verified());
            assertEquals(List.of("hidden"), List.copyOf(locked.plan().groups().keySet()));
            assertEquals(List.of("wrong"), List.copyOf(locked.failing().keySet()));
        }
    }

    @Test
    void rewriterErrorsAreReportedNotThrown() {
        { ModelCheck v = verifier();
            PlanExecution.Outcome o = PlanExecution.run(plan(Map.of("hidden", new GroupPlan("hidden", 3, new int[] {0}))),
                    p -> { throw new IllegalStateException("cannot rewrite node 'mm2'"); }, v, false, Progress.NONE);
            assertFalse(o.verified());
            assertEquals("rewriting failed: cannot rewrite node 'mm2'", o.failing().get("hidden"));
        }
    }
}
