package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.GroupAnalyzer;
import dev.lopper.graph.GraphLoader;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.task.Progress;
import dev.lopper.testutil.Oracle;

/**
 * The strongest oracle, on every manifest model (one per family unless -Dlopper.fullOracle=true): for every
 * prunable group, removing one channel gives a model ORT runs with the original output shapes, and (unless the
 * group feeds a normalization/reduction over its channels) the same outputs, within 1e-4, as the original with
 * that channel's producer rows and consumer columns zeroed.
 */
class ManifestOracleTest {
    static Stream<String> models() throws Exception {
        JsonNode m = new ObjectMapper().readTree(dev.lopper.analysis.ManifestGroupsTestAccess.MODELS.resolve("manifest.json").toFile());
        boolean full = Boolean.getBoolean("lopper.fullOracle");
        Set<String> families = new LinkedHashSet<>();
        List<String> files = new ArrayList<>();
        for (JsonNode e : m) {
            String family = e.has("family") ? e.get("family").asText() : e.get("file").asText();
            String only = System.getProperty("lopper.only"); // e.g. -Dlopper.only=vit_shared (with -Dlopper.fullOracle=true)
            if (only != null && !e.get("file").asText().contains(only)) continue;
            if (full || families.add(family)) files.add(e.get("file").asText());
        }
        return files.stream();
    }

    @ParameterizedTest
    @MethodSource("models")
    void removingOneChannelOfEveryPrunableGroupMatchesTheZeroedOriginal(String file) throws Exception {
        OnnxModel model = OnnxModel.read(dev.lopper.analysis.ManifestGroupsTestAccess.MODELS.resolve(file));
        GroupAnalysis a = GroupAnalyzer.analyze(GraphLoader.load(model, Map.of()), Progress.NONE);
        byte[] original = model.proto().toByteArray();
        Map<String, Oracle.Output> base;
        try {
            base = Oracle.run(original, 11, 6);
        } catch (ai.onnxruntime.OrtException e) {
            System.out.println("oracle " + file + ": ORT cannot run the original (" + e.getMessage().lines().findFirst().orElse("") + ")");
            return;
        }
        List<String> failures = new ArrayList<>();
        List<String> mixing = new ArrayList<>();
        int checked = 0;
        for (CoupledGroup g : a.prunableGroups()) {
            int c = g.channels() - 1;
            try {
                ModelProto pruned = PlanApplier.apply(model, a, Map.of(g.id(), PlanApplier.keepAllBut(g.channels(), c)));
                if (!dev.lopper.graph.KvCache.pairs(a.graph()).isEmpty()) {
                    // a decoder's KV cache loses the channels too: each model is fed its own view of one cache
                    double diff = dev.lopper.testutil.KvOracle.removedVsZeroed(model, a, g, c, pruned, !g.mixingNodes().isEmpty());
                    if (!g.mixingNodes().isEmpty()) { mixing.add(g.id()); continue; }
                    if (!(diff < 1e-4)) throw new AssertionError("outputs differ by " + diff);
                    checked++;
                    continue;
                }
                Map<String, Oracle.Output> out = Oracle.run(pruned.toByteArray(), 11, 6);
                for (String k : base.keySet()) {
                    if (!java.util.Arrays.equals(base.get(k).shape(), out.get(k).shape())) {
                        throw new AssertionError("output " + k + " changed shape");
                    }
                }
                if (!g.mixingNodes().isEmpty()) {
                    mixing.add(g.id());
                    continue;
                }
                double diff = Oracle.maxDiff(Oracle.run(Oracle.zeroChannels(model, a, g, c).toByteArray(), 11, 6), out);
                if (!(diff < 1e-4)) throw new AssertionError("outputs differ by " + diff);
                checked++;
            } catch (Exception | AssertionError e) {
                failures.add(g.id() + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            }
        }
        System.out.printf(Locale.ROOT, "oracle %-36s prunable=%d exact=%d mixing=%d failed=%d %s%n", file,
                a.prunableGroups().size(), checked, mixing.size(), failures.size(), mixing.isEmpty() ? "" : "mixing: " + mixing);
        assertEquals(List.of(), failures, file);
    }
}
