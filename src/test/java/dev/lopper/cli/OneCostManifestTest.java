package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lopper.eval.ModelMacs;
import dev.lopper.prune.PruningSession;
import dev.lopper.task.Progress;

/**
 * One cost model: for every manifest model, the MACs that {@code inspect} prints, the total {@code groups} prints,
 * the count {@code bench} divides by and the planner's "before" (and its counter with nothing pruned) are one number;
 * so are the parameters (inspect, groups' total, the planner's before and counter: {@code graph.Metrics} defines them).
 */
class OneCostManifestTest {
    static final Path DIR = Path.of("src/test/resources/models");
    static final ObjectMapper JSON = new ObjectMapper();

    static Stream<String> models() throws Exception {
        JsonNode m = JSON.readTree(DIR.resolve("manifest.json").toFile());
        List<String> files = new ArrayList<>();
        m.forEach(e -> files.add(e.get("file").asText()));
        return files.stream();
    }

    @ParameterizedTest
    @MethodSource("models")
    void inspectGroupsBenchAndPlannerCountTheSameMacs(String file) throws Exception {
        assertOneCount(DIR.resolve(file), file);
    }

    /** The sample the issue found counted three ways (inspect 1,639,392, groups 1,608,672). */
    @org.junit.jupiter.api.Test
    void theDigitsSampleHasOneMacCount() throws Exception {
        assertEquals(1_639_392L, assertOneCount(Path.of("samples", "digits_cnn.onnx"), "digits_cnn.onnx"));
    }

    private static long assertOneCount(Path model, String file) throws Exception {
        CliRun inspect = CliRun.of("inspect", model.toString(), "--json");
        assertEquals(0, inspect.code(), inspect.err());
        JsonNode inspectJson = JSON.readTree(inspect.out());
        long inspected = inspectJson.get("macs").asLong();
        long params = inspectJson.get("params").asLong();
        assertTrue(params > 0, file + ": inspect counts no parameters");
        assertTrue(inspected > 0, file + ": inspect counts no MACs");
        ModelMacs.Count bench = ModelMacs.count(model, Map.of());
        assertTrue(bench.known(), bench.error());
        assertEquals(inspected, bench.macs(), file + ": bench vs inspect");
        CliRun groups = CliRun.of("groups", model.toString(), "--json");
        assertEquals(0, groups.code(), groups.err());
        JsonNode summary = JSON.readTree(groups.out()).get("summary");
        assertEquals(inspected, summary.get("totalMacs").asLong(), file + ": groups vs inspect");
        assertEquals(params, summary.get("totalParams").asLong(), file + ": groups params vs inspect");
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        assertEquals(inspected, s.before().macs(), file + ": planner before vs inspect");
        assertEquals(inspected, s.costModel().count(Map.of()).macs(), file + ": planner counter vs inspect");
        assertEquals(params, s.before().params(), file + ": planner params before vs inspect");
        assertEquals(params, s.costModel().count(Map.of()).params(), file + ": planner params counter vs inspect");
        return inspected;
    }
}
