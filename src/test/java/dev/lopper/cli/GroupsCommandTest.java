package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lopper.testutil.TestModels;

class GroupsCommandTest {
    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void jsonListsGroupsAndSummary(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cnn.onnx");
        Files.write(f, TestModels.cnn().build().toByteArray());
        CliRun r = run("groups", f.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        JsonNode conv1 = null;
        for (JsonNode g : j.get("groups")) if (g.get("id").asText().equals("g:conv1/out.per-group")) conv1 = g;
        assertTrue(conv1 != null, r.out());
        assertEquals(4, conv1.get("channels").asInt());
        assertEquals("prunable", conv1.get("status").asText());
        assertTrue(conv1.get("members").size() > 5);
        assertTrue(conv1.get("members").get(0).has("node") && conv1.get("members").get(0).has("tensor"));
        assertTrue(conv1.get("paramsPerChannel").asLong() > 0);
        JsonNode s = j.get("summary");
        assertEquals(j.get("groups").size(), s.get("groups").asInt());
        assertEquals(s.get("groups").asInt(), s.get("prunable").asInt() + s.get("locked").asInt());
        assertTrue(s.get("prunableParamFraction").asDouble() > 0.9);
    }

    @Test
    void tableAndErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cnn.onnx");
        Files.write(f, TestModels.cnn().build().toByteArray());
        CliRun r = run("groups", f.toString());
        assertEquals(0, r.code());
        assertTrue(r.out().contains("g:fc/out") && r.out().contains("graph output 'fc'"), r.out());
        assertTrue(r.out().contains("groups:") && r.out().contains("prunable params"), r.out());
        CliRun missing = run("groups", dir.resolve("none.onnx").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().startsWith("lopper: ") && missing.err().contains("none.onnx"), missing.err());
        CliRun bad = run("groups", f.toString(), "--input-shape", "x");
        assertEquals(2, bad.code());
    }
}
