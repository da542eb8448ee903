package dev.lopper.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lopper.graph.GraphLoader;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.task.Progress;

/**
 * Golden group dumps for every manifest model: ids, channels, status, reasons, members, params and MACs per
 * channel, and the summary. Regenerate (then review the diff) with {@code -Dlopper.updateGolden=true}.
 */
class ManifestGroupsTest {
    static final Path MODELS = Path.of("src/test/resources/models");
    static final Path GOLDEN = Path.of("src/test/resources/golden");

    static Stream<String> models() throws IOException {
        JsonNode m = new ObjectMapper().readTree(MODELS.resolve("manifest.json").toFile());
        List<String> files = new ArrayList<>();
        for (JsonNode e : m) files.add(e.get("file").asText());
        return files.stream();
    }

    static GroupAnalysis analyze(String file) throws Exception {
        OnnxModel model = OnnxModel.read(MODELS.resolve(file));
        return GroupAnalyzer.analyze(GraphLoader.load(model, Map.of()), Progress.NONE);
    }

    /** A stable text dump of an analysis. */
    static String dump(GroupAnalysis a) {
        StringBuilder b = new StringBuilder();
        GroupAnalysis.Summary s = a.summary();
        b.append(String.format(Locale.ROOT, "summary groups=%d prunable=%d locked=%d params=%.4f macs=%.4f%n",
                s.groups(), s.prunable(), s.locked(), s.prunableParamFraction(), s.prunableMacFraction()));
        for (String r : a.unhandledNodes()) b.append("unhandled ").append(r).append('\n');
        for (CoupledGroup g : a.groups()) {
            b.append(String.format(Locale.ROOT, "group %s channels=%d %s params/ch=%d macs/ch=%d members=%d slices=%d%n",
                    g.id(), g.channels(), g.status(), g.paramsPerChannel(), g.macsPerChannel(), g.members().size(), g.slices().size()));
            for (String r : g.lockReasons()) b.append("  reason ").append(r).append('\n');
            for (String m : g.mixingNodes()) b.append("  mixes ").append(m).append('\n');
            for (ParamSlice p : g.slices()) {
                if (p == null) continue;
                b.append(String.format(Locale.ROOT, "  slice %s %s axis=%d %s%s%n", p.role(), p.tensor(), p.axis(), p.map(),
                        p.copies() > 1 ? " copy=" + p.copy() + "/" + p.copies() : ""));
            }
        }
        return b.toString();
    }

    @ParameterizedTest
    @MethodSource("models")
    void groupsMatchGolden(String file) throws Exception {
        GroupAnalysis a = analyze(file);
        String text = dump(a);
        Path golden = GOLDEN.resolve(file.replace(".onnx", ".groups.txt"));
        System.out.printf(Locale.ROOT, "%-36s %s", file, a.summaryLine());
        if (Boolean.getBoolean("lopper.updateGolden")) {
            Files.writeString(golden, text, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(golden), "no golden dump " + golden + " for " + file
                + ": generate it with -Dlopper.updateGolden=true and review it");
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), text, "golden dump of " + file
                + " changed; review and regenerate with -Dlopper.updateGolden=true");
        assertEquals(text, dump(analyze(file)), "group ids must be stable across runs");
        assertTrue(a.groups().size() > 0 || !a.unhandledNodes().isEmpty(), "no groups and no reason in " + file);
    }
}
