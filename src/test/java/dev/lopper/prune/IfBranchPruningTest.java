package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.GroupAnalyzer;
import dev.lopper.graph.GraphLoader;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;
import dev.lopper.task.Progress;
import dev.lopper.testutil.Oracle;

/**
 * Pruning inside If branches. {@code if_vad_op13}: a voice-activity-style model whose whole network sits in the two
 * branches (16 kHz / 8 kHz), weights as body initializers, a body Constant node and an outer initializer.
 * {@code if_convs_op13}: a Conv in each branch produces the If's output, which a head Conv reads. Every prunable
 * group, one channel removed, runs in ONNX Runtime through BOTH branches and matches the original with that channel
 * zeroed within 1e-4; the empty plan is exact; the sliced tensors and declared branch outputs have the expected shapes.
 */
class IfBranchPruningTest {
    static final Path DIR = Path.of("src/test/resources/models");

    @TempDir
    Path tmp;

    static GroupAnalysis analyze(OnnxModel m) {
        return GroupAnalyzer.analyze(GraphLoader.load(m, Map.of()), Progress.NONE);
    }

    /** Both branches' feeds: the VAD model by sample rate, if_convs by its bool input. */
    static List<Map<String, Object>> feeds(String file) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (file.startsWith("if_vad")) {
            float[] x = new float[64];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(0.37 * i) + 0.1f * (i % 5);
            for (long sr : new long[] {16000, 8000}) out.add(Map.of("x", new Object[] {x, new long[] {1, 1, 64}}, "sr", new long[] {sr}));
        } else {
            float[] x = new float[3 * 64];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(0.21 * i);
            for (boolean c : new boolean[] {true, false}) out.add(Map.of("x", new Object[] {x, new long[] {1, 3, 8, 8}}, "cond", c));
        }
        return out;
    }

    static Oracle.Output run(byte[] model, Map<String, Object> feed) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession s = env.createSession(model, o)) {
                Map<String, OnnxTensor> in = new LinkedHashMap<>();
                try {
                    for (Map.Entry<String, Object> e : feed.entrySet()) {
                        Object v = e.getValue();
                        if (v instanceof Object[] fx) {
                            in.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap((float[]) fx[0]), (long[]) fx[1]));
                        } else if (v instanceof long[] l) {
                            in.put(e.getKey(), OnnxTensor.createTensor(env, LongBuffer.wrap(l), new long[] {l.length}));
                        } else {
                            in.put(e.getKey(), OnnxTensor.createTensor(env, (Boolean) v));
                        }
                    }
                    try (OrtSession.Result r = s.run(in)) {
                        OnnxTensor t = (OnnxTensor) r.get(0);
                        FloatBuffer fb = t.getFloatBuffer();
                        float[] vals = new float[fb.remaining()];
                        fb.get(vals);
                        return new Oracle.Output(t.getInfo().getShape(), vals);
                    }
                } finally {
                    for (OnnxTensor t : in.values()) t.close();
                }
            }
        }
    }

    static double maxDiff(Oracle.Output a, Oracle.Output b) {
        assertArrayEquals(a.shape(), b.shape(), "output shape");
        double m = 0;
        for (int i = 0; i < a.values().length; i++) m = Math.max(m, Math.abs(a.values()[i] - b.values()[i]));
        return m;
    }

    @Test
    void vadBranchesAreAnalyzedAndCounted() throws Exception {
        GroupAnalysis a = analyze(OnnxModel.read(DIR.resolve("if_vad_op13.onnx")));
        // then 40+8+192+8+16+2 = 266, else 18+6+144+8+2 = 178 + the outer w8c 16: 460 (was "Parameters 0" prunable)
        assertEquals(460, a.summary().totalParams());
        assertTrue(a.summary().prunableParamFraction() >= 0.99, a.summaryLine());
        Map<String, Integer> want = Map.of("g:then/conv_a/out", 8, "g:then/conv_b/out", 8, "g:else/conv_a/out", 6, "g:else/conv_b/out", 8);
        want.forEach((id, ch) -> {
            CoupledGroup g = a.group(id);
            assertNotNull(g, id);
            assertTrue(g.isPrunable(), id + ": " + g.lockReasons());
            assertEquals((int) ch, g.channels(), id);
        });
        // the 2 logits are output 0 of both branches and the graph output: one group, locked by the output only
        CoupledGroup logits = a.group("g:then/fc/out");
        assertEquals(List.of("graph output 'logits'"), logits.lockReasons());
        assertTrue(logits.memberNodes().containsAll(List.of("then/fc", "else/fc")), logits.memberNodes().toString());
        // MACs are the larger (8 kHz) branch's, as Metrics counts them: its groups carry MACs, the 16 kHz ones none
        assertTrue(a.group("g:else/conv_a/out").macsPerChannel() > 0);
        assertEquals(0, a.group("g:then/conv_a/out").macsPerChannel());
    }

    @Test
    void theIfOutputIsOneGroupAcrossBothBranches() throws Exception {
        GroupAnalysis a = analyze(OnnxModel.read(DIR.resolve("if_convs_op13.onnx")));
        CoupledGroup out = null;
        for (CoupledGroup g : a.groups()) if (g.slices().stream().anyMatch(s -> s.tensor().equals("head_w") && s.axis() == 1)) out = g;
        assertNotNull(out);
        assertTrue(out.isPrunable(), out.lockReasons().toString());
        assertEquals(8, out.channels());
        List<String> tensors = out.slices().stream().map(s -> s.tensor()).distinct().sorted().toList();
        assertEquals(List.of("else_b", "else_w", "head_w", "then_b", "then_w"), tensors);
        // unnamed branch nodes are qualified by their If and branch (the main graph has a Conv_0 too)
        assertTrue(out.memberNodes().contains("If_1/then_branch/Conv_0"), out.memberNodes().toString());
    }

    @Test
    void everyGroupRemovedFromEitherBranchMatchesTheZeroedOriginal() throws Exception {
        for (String file : List.of("if_vad_op13.onnx", "if_convs_op13.onnx")) {
            OnnxModel model = OnnxModel.read(DIR.resolve(file));
            GroupAnalysis a = analyze(model);
            byte[] original = model.proto().toByteArray();
            List<Map<String, Object>> feeds = feeds(file);
            Oracle.Output b0 = run(original, feeds.get(0)), b1 = run(original, feeds.get(1));
            assertTrue(maxDiff(b0, b1) > 1e-3, file + ": both branches run and differ");
            // empty plan: the same model, the same outputs
            ModelProto none = PlanApplier.apply(model, a, Map.of());
            assertArrayEquals(original, none.toByteArray(), file);
            int checked = 0;
            for (CoupledGroup g : a.prunableGroups()) {
                for (int c : new int[] {0, g.channels() - 1}) {
                    byte[] pruned = PlanApplier.apply(model, a, Map.of(g.id(), PlanApplier.keepAllBut(g.channels(), c))).toByteArray();
                    byte[] zeroed = Oracle.zeroChannels(model, a, g, c).toByteArray();
                    for (Map<String, Object> f : feeds) {
                        double d = maxDiff(run(zeroed, f), run(pruned, f));
                        assertTrue(d < 1e-4, file + " " + g.id() + " channel " + c + " feed " + f.keySet() + ": " + d);
                    }
                }
                checked++;
            }
            assertEquals(file.startsWith("if_vad") ? 4 : 2, checked, file);
        }
    }

    @Test
    void slicedBranchTensorsAndDeclaredOutputsHaveTheNewShapes() throws Exception {
        OnnxModel vad = OnnxModel.read(DIR.resolve("if_vad_op13.onnx"));
        GroupAnalysis a = analyze(vad);
        ModelProto p = PlanApplier.apply(vad, a, Map.of(
                "g:then/conv_a/out", PlanApplier.keepAllBut(8, 0, 3),
                "g:else/conv_b/out", PlanApplier.keepAllBut(8, 7)));
        GraphProto then = body(p.getGraph(), "then_branch"), els = body(p.getGraph(), "else_branch");
        assertEquals(List.of(6L, 1L, 5L), dims(then, "w16a"));
        assertEquals(List.of(6L), dims(then, "b16a"));
        assertEquals(List.of(8L, 6L, 3L), dims(then, "w16b"));
        assertEquals(List.of(7L, 6L, 3L), dims(els, "w8b")); // a Constant node of the branch
        assertEquals(List.of(7L), dims(els, "b8b"));
        assertEquals(List.of(7L, 2L), dims(p.getGraph(), "w8c")); // an outer initializer the branch reads

        OnnxModel convs = OnnxModel.read(DIR.resolve("if_convs_op13.onnx"));
        GroupAnalysis b = analyze(convs);
        String out = null;
        for (CoupledGroup g : b.groups()) if (g.slices().stream().anyMatch(s -> s.tensor().equals("head_w") && s.axis() == 1)) out = g.id();
        ModelProto q = PlanApplier.apply(convs, b, Map.of(out, PlanApplier.keepAllBut(8, 1, 2, 5)));
        GraphProto t = body(q.getGraph(), "then_branch"), e = body(q.getGraph(), "else_branch");
        assertEquals(List.of(5L, 4L, 3L, 3L), dims(t, "then_w"));
        assertEquals(List.of(5L, 4L, 1L, 1L), dims(e, "else_w"));
        assertEquals(List.of(2L, 5L, 1L, 1L), dims(q.getGraph(), "head_w"));
        assertEquals(List.of(1L, 5L, 8L, 8L), shape(t.getOutput(0)));
        assertEquals(List.of(1L, 5L, 8L, 8L), shape(e.getOutput(0)));
    }

    @Test
    void aSessionPrunesTheVadModelAndItsCountsMatchARecount() throws Exception {
        PruningSession s = PruningSession.open(DIR.resolve("if_vad_op13.onnx"), Map.of(), Progress.NONE);
        ScoringOptions so = ScoringOptions.defaults().with(Criterion.L1);
        Planner.Result r = s.plan(s.score(so, Progress.NONE), so, PruningSettings.ratio(0.5).withRoundTo(1), Progress.NONE);
        assertEquals(4, r.plan().groups().size());
        PlanExecution.Outcome o = s.apply(r.plan(), false, PruneManifestTest.verify(), Progress.NONE);
        assertTrue(o.verified(), String.valueOf(o.verification().problem()));
        Path out = tmp.resolve("vad.onnx");
        s.write(o, out, Progress.NONE);
        ModelCost counted = s.recount(out, Progress.NONE);
        assertEquals(counted.params(), r.after().params());
        assertEquals(counted.macs(), r.after().macs());
        assertTrue(r.after().params() < 300, "after " + r.after().params());
    }

    private static GraphProto body(GraphProto g, String attr) {
        for (NodeProto n : g.getNodeList()) for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(attr)) return a.getG();
        throw new AssertionError("no " + attr);
    }

    private static List<Long> dims(GraphProto g, String name) {
        for (TensorProto t : g.getInitializerList()) if (t.getName().equals(name)) return t.getDimsList();
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("Constant") && n.getOutput(0).equals(name)) return n.getAttribute(0).getT().getDimsList();
        }
        throw new AssertionError("no tensor " + name);
    }

    private static List<Long> shape(ValueInfoProto v) {
        List<Long> out = new ArrayList<>();
        for (var d : v.getType().getTensorType().getShape().getDimList()) out.add(d.getDimValue());
        return out;
    }
}
