package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.analysis.CoupledGroup;

class PlanFilesTest {
    @TempDir
    Path dir;

    static PruningPlan plan() {
        Map<String, GroupPlan> g = new LinkedHashMap<>();
        g.put("g1", new GroupPlan("g1", 4, new int[] {0, 3}));
        g.put("g0", new GroupPlan("g0", 3, new int[] {1}));
        PruningSettings s = new PruningSettings(Allocation.GLOBAL, PruneTarget.macs(0.5), 4, 2, Set.of("conv1", "fc"), Map.of("g1", 0.25));
        return new PruningPlan("ab12", "m.onnx", new PlanSettings("fpgm", "max", "sum", 42, s, 0.375), g);
    }

    static final List<CoupledGroup> GROUPS = List.of(AllocatorTest.g("g0", 3, 1, 1), AllocatorTest.g("g1", 4, 1, 1),
            AllocatorTest.g("g2", 5, 1, 1, "graph output"));

    @Test
    void roundTrip() throws Exception {
        Path f = dir.resolve("p.json");
        PlanFiles.save(plan(), f);
        PruningPlan back = PlanFiles.read(f);
        assertEquals(plan(), back);
        assertEquals(List.of("g1", "g0"), List.copyOf(back.groups().keySet()));
        PlanFiles.check(back, "p.json", Path.of("m.onnx"), "AB12", GROUPS);
        String json = Files.readString(f);
        assertEquals(true, json.contains("\"format\" : \"lopper-plan\""));
        assertEquals(true, json.contains("\"kept\" : [ 0, 3 ]"));
    }

    @Test
    void shaMismatchNamesBothHashes() {
        PlanException e = assertThrows(PlanException.class,
                () -> PlanFiles.check(plan(), "p.json", Path.of("other.onnx"), "ffff", GROUPS));
        assertEquals("plan p.json was made for a model with sha256 ab12, not other.onnx (ffff)", e.getMessage());
    }

    @Test
    void unknownGroupsLockedGroupsAndBadIndicesAreClearErrors() {
        Map<String, GroupPlan> g = Map.of("g9", new GroupPlan("g9", 3, new int[] {1}));
        PruningPlan p = new PruningPlan("ab12", "m.onnx", plan().settings(), g);
        assertEquals("plan p.json names group g9, which m.onnx does not have",
                assertThrows(PlanException.class, () -> PlanFiles.check(p, "p.json", Path.of("m.onnx"), "ab12", GROUPS)).getMessage());
        PruningPlan locked = new PruningPlan("ab12", "m.onnx", plan().settings(), Map.of("g2", new GroupPlan("g2", 5, new int[] {0})));
        assertEquals("plan p.json prunes group g2, which is locked (graph output)",
                assertThrows(PlanException.class, () -> PlanFiles.check(locked, "p.json", Path.of("m.onnx"), "ab12", GROUPS)).getMessage());
        PruningPlan wrongSize = new PruningPlan("ab12", "m.onnx", plan().settings(), Map.of("g1", new GroupPlan("g1", 8, new int[] {0})));
        assertEquals("plan p.json says group g1 has 8 channels; in m.onnx it has 4",
                assertThrows(PlanException.class, () -> PlanFiles.check(wrongSize, "p.json", Path.of("m.onnx"), "ab12", GROUPS)).getMessage());
        String bad = PlanFiles.toJson(plan()).replace("[ 0, 3 ]", "[ 0, 7 ]");
        assertEquals("plan p.json: group g1: kept index 7 is out of range [0, 4)",
                assertThrows(PlanException.class, () -> PlanFiles.parse(bad, "p.json")).getMessage());
        assertEquals("plan p.json has schema version 2; this Lopper reads version 1",
                assertThrows(PlanException.class, () -> PlanFiles.parse(PlanFiles.toJson(plan()).replace("\"version\" : 1", "\"version\" : 2"), "p.json")).getMessage());
        assertEquals("plan p.json is not a Lopper plan (no \"format\": \"lopper-plan\")",
                assertThrows(PlanException.class, () -> PlanFiles.parse("{}", "p.json")).getMessage());
        assertEquals("cannot read plan " + dir.resolve("none.json") + ": no such file",
                assertThrows(PlanException.class, () -> PlanFiles.read(dir.resolve("none.json"))).getMessage());
    }
}
