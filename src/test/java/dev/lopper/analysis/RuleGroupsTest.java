package dev.lopper.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.task.Progress;
import dev.lopper.testutil.ModelBuilder;
import dev.lopper.testutil.TestModels;

/** One tiny model per rule, asserting the exact groups it yields. */
class RuleGroupsTest {
    static GroupAnalysis analyze(ModelBuilder b) {
        GroupAnalysis a = GroupAnalyzer.analyze(dev.lopper.graph.GraphLoader.load(b.model(), Map.of()), Progress.NONE);
        if (System.getenv("LOPPER_PRINT_GROUPS") != null) {
            System.out.println(b.build().getGraph().getName() + " " + summary(a));
            for (CoupledGroup g : a.groups()) System.out.println("   " + g.id() + " " + g.lockReasons() + " " + g.mixingNodes() + " " + slices(g).keySet());
        }
        return a;
    }

    /** "id:channels:status" of every group, in order. */
    static List<String> summary(GroupAnalysis a) {
        return a.groups().stream().map(g -> g.id() + ":" + g.channels() + ":" + g.status()).toList();
    }

    static Map<String, ParamSlice> slices(CoupledGroup g) {
        Map<String, ParamSlice> m = new LinkedHashMap<>();
        for (ParamSlice s : g.slices()) m.put(s.tensor() + "@" + s.axis(), s);
        return m;
    }

    static ModelBuilder convChain() {
        ModelBuilder b = ModelBuilder.create("chain").input("x", 1, 3, 6, 6);
        b.conv("conv1", "x", 3, 8, 3);
        b.relu("relu", "conv1");
        b.conv("conv2", "relu", 8, 4, 1);
        b.output("conv2");
        return b;
    }

    @Test
    void convStartsAndEndsGroupsInputsAndOutputsLocked() {
        GroupAnalysis a = analyze(convChain());
        assertEquals(List.of("g:input:x/1:3:locked", "g:conv1/out:8:prunable", "g:conv2/out:4:locked"), summary(a));
        CoupledGroup g = a.group("g:conv1/out");
        Map<String, ParamSlice> s = slices(g);
        assertEquals(Role.PRODUCER_WEIGHT, s.get("conv1.weight@0").role());
        assertEquals(Role.PRODUCER_BIAS, s.get("conv1.bias@0").role());
        assertEquals(Role.CONSUMER_WEIGHT, s.get("conv2.weight@1").role());
        assertEquals(3, s.size());
        assertEquals(3 * 9 + 1 + 4, g.paramsPerChannel());
        assertEquals(36 * 27 + 36 + 36 * 4, g.macsPerChannel());   // conv1, relu (1 per element), conv2
        assertEquals(List.of("graph input 'x'"), a.group("g:input:x/1").lockReasons());
        assertEquals(List.of("graph output 'conv2'"), a.group("g:conv2/out").lockReasons());
        // every parameter but conv2's bias (the locked output channels) has a coordinate in a prunable group
        assertEquals((260 - 4) / 260.0, a.summary().prunableParamFraction(), 1e-9);
    }

    @Test
    void batchNormSlicesItsFourParameters() {
        ModelBuilder b = ModelBuilder.create("bn").input("x", 1, 3, 6, 6);
        b.conv("conv1", "x", 3, 8, 3);
        b.batchNorm("bn", "conv1", 8);
        b.conv("conv2", "bn", 8, 4, 1);
        b.output("conv2");
        Map<String, ParamSlice> s = slices(analyze(b).group("g:conv1/out"));
        assertEquals(Role.NORM_SCALE, s.get("bn.weight@0").role());
        assertEquals(Role.NORM_BIAS, s.get("bn.bias@0").role());
        assertEquals(Role.NORM_MEAN, s.get("bn.mean@0").role());
        assertEquals(Role.NORM_VAR, s.get("bn.var@0").role());
    }

    @Test
    void depthwiseConvPassesChannelsThrough() {
        ModelBuilder b = ModelBuilder.create("dw").input("x", 1, 3, 6, 6);
        b.conv("conv1", "x", 3, 8, 1);
        b.conv("dw", "conv1", 8, 8, 3, 8);
        b.conv("conv3", "dw", 8, 4, 1);
        b.output("conv3");
        GroupAnalysis a = analyze(b);
        assertEquals(List.of("g:input:x/1:3:locked", "g:conv1/out:8:prunable", "g:conv3/out:4:locked"), summary(a));
        Map<String, ParamSlice> s = slices(a.group("g:conv1/out"));
        assertTrue(s.containsKey("dw.weight@0") && s.containsKey("dw.bias@0") && s.containsKey("conv3.weight@1"), s.keySet().toString());
        assertTrue(a.rewrites().stream().anyMatch(r -> r instanceof Rewrite.IntAttribute ia && ia.node().equals("dw")));
    }

    @Test
    void groupedConvSplitsIntoWholeGroupsAndPositionsInEveryGroup() {
        ModelBuilder b = ModelBuilder.create("grouped").input("x", 1, 3, 6, 6);
        b.conv("conv1", "x", 3, 8, 1);
        b.conv("gc", "conv1", 8, 12, 3, 2);
        b.conv("conv3", "gc", 12, 4, 1);
        b.output("conv3");
        GroupAnalysis a = analyze(b);
        assertEquals(List.of("g:input:x/1:3:locked", "g:conv1/out.per-group:4:prunable", "g:conv1/out.groups:2:prunable",
                "g:gc/out.per-group-out:6:prunable", "g:conv3/out:4:locked"), summary(a));
        assertEquals(new IndexMap(0, 4, 1, 0), slices(a.group("g:conv1/out.groups")).get("conv1.weight@0").map());
        assertEquals(new IndexMap(0, 1, 2, 4), slices(a.group("g:conv1/out.per-group")).get("conv1.weight@0").map());
        // gc's own weight: its input axis is the per-group position, its output rows are (group, position)
        assertEquals(IndexMap.IDENTITY, slices(a.group("g:conv1/out.per-group")).get("gc.weight@1").map());
        assertEquals(new IndexMap(0, 6, 1, 0), slices(a.group("g:conv1/out.groups")).get("gc.weight@0").map());
        assertEquals(new IndexMap(0, 1, 2, 6), slices(a.group("g:gc/out.per-group-out")).get("conv3.weight@1").map());
    }

    @Test
    void residualAddCouplesBothBranches() {
        ModelBuilder b = ModelBuilder.create("res").input("x", 1, 3, 6, 6);
        b.conv("conv1", "x", 3, 8, 3);
        b.relu("relu", "conv1");
        b.conv("conv2", "relu", 8, 8, 3);
        b.add("add", "conv2", "relu");
        b.conv("conv3", "add", 8, 4, 1);
        b.output("conv3");
        GroupAnalysis a = analyze(b);
        assertEquals(List.of("g:input:x/1:3:locked", "g:conv1/out:8:prunable", "g:conv3/out:4:locked"), summary(a));
        Map<String, ParamSlice> s = slices(a.group("g:conv1/out"));
        assertEquals(Role.PRODUCER_WEIGHT, s.get("conv2.weight@0").role());
        assertEquals(Role.CONSUMER_WEIGHT, s.get("conv2.weight@1").role());
    }

    @Test
    void concatOffsetsSplitSizesAndSliceBounds() {
        GroupAnalysis a = analyze(TestModels.concatSplit());
        Map<String, CoupledGroup> byId = a.groups().stream().collect(Collectors.toMap(CoupledGroup::id, g -> g));
        assertEquals(IndexMap.IDENTITY, slices(byId.get("g:a/out")).get("c.weight@1").map());
        assertEquals(IndexMap.offset(6), slices(byId.get("g:b/out")).get("c.weight@1").map());
        assertEquals(3, byId.get("g:split/out0").channels());
        assertEquals(5, byId.get("g:split/out1").channels());
        assertEquals(IndexMap.offset(3), slices(byId.get("g:split/out1")).get("c.weight@0").map());
        // Slice [1:3] of the 4 channels of s0+s1: before (1), kept (2), after (1)
        assertFalse(byId.containsKey("g:slice/slice.before"), "one channel before the slice: no group of its own");
        assertEquals(2, byId.get("g:slice/slice").channels());
        assertEquals(IndexMap.offset(1), slices(byId.get("g:slice/slice")).get("s0.weight@0").map());
        assertEquals(1, a.rewrites().stream().filter(r -> r instanceof Rewrite.SplitSizes).count());
        assertEquals(1, a.rewrites().stream().filter(r -> r instanceof Rewrite.SliceBounds).count());
        // ConvTranspose starts a group at W axis 1; Resize with scale 1 passes channels to the skip Concat
        assertEquals(Role.PRODUCER_WEIGHT, slices(byId.get("g:up/out")).get("up.weight@1").role());
        assertEquals(IndexMap.IDENTITY, slices(byId.get("g:up/out")).get("out.weight@1").map());
        assertEquals(IndexMap.offset(3), slices(byId.get("g:d/out")).get("out.weight@1").map());
        assertTrue(a.groups().stream().filter(g -> !g.id().startsWith("g:input") && !g.id().equals("g:out/out"))
                .allMatch(CoupledGroup::isPrunable), summary(a).toString());
    }

    @Test
    void flattenMapsChannelToBlocksOfSpatialFeatures() {
        ModelBuilder b = ModelBuilder.create("flat").input("x", 1, 3, 2, 2);
        b.conv("conv", "x", 3, 4, 3);
        b.flatten("flat", "conv");
        b.gemm("fc", "flat", 16, 5);
        b.output("fc");
        CoupledGroup g = analyze(b).group("g:conv/out");
        ParamSlice s = slices(g).get("fc.weight@1");
        assertEquals(new IndexMap(0, 4, 1, 0), s.map());
        assertEquals(Role.CONSUMER_WEIGHT, s.role());
    }

    @Test
    void attentionHeadsAndHeadDimsThroughDynamicReshapes() {
        GroupAnalysis a = analyze(TestModels.encoder());
        List<String> ids = summary(a);
        assertEquals(List.of("g:embed/out:16:prunable", "g:q/MatMul/out.outer:2:prunable", "g:q/MatMul/out.inner:8:prunable",
                "g:v/MatMul/out.inner:8:prunable", "g:fc1/MatMul/out:32:prunable", "g:head/out:3:locked"), ids);
        CoupledGroup heads = a.group("g:q/MatMul/out.outer");
        Map<String, ParamSlice> s = slices(heads);
        assertEquals(new IndexMap(0, 8, 1, 0), s.get("q.weight@1").map());
        assertEquals(new IndexMap(0, 8, 1, 0), s.get("v.weight@1").map());
        assertEquals(new IndexMap(0, 8, 1, 0), s.get("o.weight@0").map());
        assertEquals(Role.CONSUMER_WEIGHT, s.get("o.weight@0").role());
        assertEquals(new IndexMap(0, 1, 2, 8), slices(a.group("g:q/MatMul/out.inner")).get("q.weight@1").map());
        assertEquals(new IndexMap(0, 1, 2, 8), slices(a.group("g:v/MatMul/out.inner")).get("o.weight@0").map());
        assertEquals(Role.PRODUCER_BIAS, slices(a.group("g:fc1/MatMul/out")).get("fc1.bias@0").role());
        // the residual stream: prunable, its LayerNorms (decomposed) mix it
        CoupledGroup stream = a.group("g:embed/out");
        assertTrue(stream.mixingNodes().contains("ln0/mean"), stream.mixingNodes().toString());
        assertTrue(slices(stream).containsKey("ln1.weight@0") && slices(stream).containsKey("head.weight@1"));
        assertTrue(a.rewrites().stream().filter(r -> r instanceof Rewrite.ShapeInput).count() >= 4);
    }

    @Test
    void layerNormalizationSlicesScaleAndBias() {
        ModelBuilder b = ModelBuilder.create("ln").input("x", 1, 4, 6);
        b.linear("fc1", "x", 6, 10);
        b.layerNorm("ln", "fc1", 10);
        b.linear("fc2", "ln", 10, 3);
        b.output("fc2");
        CoupledGroup g = analyze(b).group("g:fc1/MatMul/out");
        assertEquals(Role.NORM_SCALE, slices(g).get("ln.weight@0").role());
        assertEquals(Role.NORM_BIAS, slices(g).get("ln.bias@0").role());
        assertEquals(List.of("ln"), g.mixingNodes());
        assertTrue(g.isPrunable());
    }

    @Test
    void squeezeExcitationGateJoinsTheGatedChannels() {
        GroupAnalysis a = analyze(TestModels.cnn());
        CoupledGroup g = a.group("g:conv1/out.per-group");
        Map<String, ParamSlice> s = slices(g);
        assertEquals(Role.CONSUMER_WEIGHT, s.get("se_fc1.weight@1").role());
        assertEquals(Role.PRODUCER_WEIGHT, s.get("se_fc2.weight@0").role());
        assertEquals(Role.PER_CHANNEL, s.get("dw.weight@0").role() == Role.PRODUCER_WEIGHT ? Role.PER_CHANNEL : s.get("dw.weight@0").role());
        assertNotNull(a.group("g:se_fc1/out"));
    }

    @Test
    void preluSlopeAndPerChannelConstants() {
        ModelBuilder b = ModelBuilder.create("prelu").input("x", 1, 3, 4, 4);
        b.conv("conv1", "x", 3, 5, 3);
        b.weight("slope", 5, 1, 1);
        b.node("PRelu", "prelu", List.of("conv1", "slope"));
        b.weight("shared", 1);
        b.node("PRelu", "prelu2", List.of("prelu", "shared"));
        b.conv("conv2", "prelu2", 5, 2, 1);
        b.output("conv2");
        CoupledGroup g = analyze(b).group("g:conv1/out");
        assertEquals(Role.PER_CHANNEL, slices(g).get("slope@0").role());
        assertFalse(slices(g).containsKey("shared@0"));
    }

    @Test
    void unknownOpLocksEverythingItTouchesWithTheReason() {
        ModelBuilder b = ModelBuilder.create("unknown").input("x", 1, 3, 4, 4);
        b.conv("conv1", "x", 3, 5, 3);
        b.node("DepthToSpace", "d2s", List.of("conv1"), "blocksize", 1L);
        b.conv("conv2", "d2s", 5, 6, 1);
        b.relu("relu", "conv2");
        b.conv("conv3", "relu", 6, 2, 1);
        b.output("conv3");
        GroupAnalysis a = analyze(b);
        assertEquals(List.of("no rule for op 'DepthToSpace' at node 'd2s'"), a.group("g:conv1/out").lockReasons());
        assertTrue(a.group("g:conv2/out").isPrunable(), "a new group after the unknown op is free");
        assertEquals(List.of("no rule for op 'DepthToSpace' at node 'd2s'"), a.unhandledNodes());
    }

    @Test
    void padOnChannelsAndGatherOfChannelsLock() {
        ModelBuilder b = ModelBuilder.create("pad").input("x", 1, 3, 4, 4);
        b.conv("conv1", "x", 3, 5, 3);
        b.ints("pads", 0, 1, 0, 0, 0, 1, 0, 0);
        b.node("Pad", "pad", List.of("conv1", "pads"));
        b.conv("conv2", "pad", 7, 4, 1);
        b.ints("pick", 0, 2);
        b.node("Gather", "pick_channels", List.of("conv2", "pick"), "axis", 1L);
        b.conv("conv3", "pick_channels", 2, 2, 1);
        b.output("conv3");
        GroupAnalysis a = analyze(b);
        assertEquals(List.of("Pad changes the size of axis 1 at node 'pad'"), a.group("g:conv1/out").lockReasons());
        assertEquals(List.of("Gather selects positions along axis 1 at node 'pick_channels'"), a.group("g:conv2/out").lockReasons());
    }

    @Test
    void transposeToChannelsLastAndMatMul() {
        ModelBuilder b = ModelBuilder.create("nhwc").input("x", 1, 3, 4, 4);
        b.conv("conv1", "x", 3, 6, 3);
        b.transpose("t", "conv1", 0, 2, 3, 1);
        b.linear("fc", "t", 6, 5);
        b.output("fc");
        CoupledGroup g = analyze(b).group("g:conv1/out");
        assertEquals(Role.CONSUMER_WEIGHT, slices(g).get("fc.weight@0").role());
    }

    @Test
    void groupNormalizationRewritesNumGroups() {
        ModelBuilder b = ModelBuilder.create("gn").opset(18).input("x", 1, 3, 4, 4);
        b.conv("conv1", "x", 3, 8, 3);
        b.weight("gn.scale", 4);
        b.weight("gn.bias", 4);
        b.node("GroupNormalization", "gn", List.of("conv1", "gn.scale", "gn.bias"), "num_groups", 4L);
        b.conv("conv2", "gn", 8, 2, 1);
        b.output("conv2");
        GroupAnalysis a = analyze(b);
        assertEquals(List.of("g:input:x/1:3:locked", "g:conv1/out.groups:4:prunable", "g:conv1/out.per-group:2:prunable",
                "g:conv2/out:2:locked"), summary(a));
        assertEquals(Role.NORM_SCALE, slices(a.group("g:conv1/out.groups")).get("gn.scale@0").role());
        assertEquals(List.of("gn"), a.group("g:conv1/out.per-group").mixingNodes());
        assertTrue(a.rewrites().stream().anyMatch(r -> r instanceof Rewrite.IntAttribute ia && ia.attribute().equals("num_groups")));
    }

    @Test
    void groupIdsAreStableAcrossRuns() {
        assertEquals(summary(analyze(TestModels.encoder())), summary(analyze(TestModels.encoder())));
        assertEquals(summary(analyze(TestModels.cnn())), summary(analyze(TestModels.cnn())));
    }

    @Test
    void exactCostsAfterPruning() {
        GroupAnalysis a = analyze(convChain());
        assertEquals(a.summary().totalParams(), a.paramsAfter(Map.of()));
        assertEquals(a.summary().totalMacs(), a.macsAfter(Map.of()), 1e-9);
        // conv1 keeps 6 of 8: conv1 weight 6x3x3x3 + bias 6, conv2 weight 4x6 + bias 4
        assertEquals(6 * 27 + 6 + 4 * 6 + 4, a.paramsAfter(Map.of("g:conv1/out", 6)));
        assertEquals(36 * 6 * 27 + 36 * 6 + 36 * 4 * 6, a.macsAfter(Map.of("g:conv1/out", 6)), 1e-9);
        // attention: dropping one of two heads halves Q/K/V/O's head-sized parts
        GroupAnalysis e = analyze(TestModels.encoder());
        long all = e.paramsAfter(Map.of());
        long oneHead = e.paramsAfter(Map.of("g:q/MatMul/out.outer", 1));
        assertEquals(all - (3 * (16 * 8 + 8) + 8 * 16), oneHead);
    }
}
