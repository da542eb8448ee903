package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lopper.graph.ModelBuilder;

class InspectCommandTest {
    @TempDir
    Path dir;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /** Conv(3->8, 3x3, pad 1) + Relu + decomposed-free head, input [batch, 3, 16, 16]. */
    Path tinyConv() throws Exception {
        ModelBuilder b = new ModelBuilder(13).input("input", ModelBuilder.FLOAT, "batch", 3, 16, 16)
                .weight("w", 8, 3, 3, 3).weight("b", 8)
                .node("Conv", "c", List.of("input", "w", "b"), ModelBuilder.ia("pads", 1, 1, 1, 1))
                .node("Identity", "ci", List.of("c"))
                .node("Relu", "output", List.of("ci"))
                .output("output");
        Path p = dir.resolve("tiny.onnx");
        Files.write(p, b.proto().toByteArray());
        return p;
    }

    @Test
    void jsonHasStableKeysAndHandComputedFigures() throws Exception {
        Path p = tinyConv();
        CliRun r = run("inspect", p.toString(), "--json", "--input-shape", "input=2,3,16,16");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        List<String> keys = new ArrayList<>();
        j.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("file", "producer", "irVersion", "opsets", "inputs", "outputs", "nodes", "ops", "params",
                "paramsByType", "paramBytes", "initializers", "initializerBytes", "macs", "macsUnknownDims",
                "uncountedOps", "standardized", "subgraphs", "warnings"), keys);
        assertEquals(3, j.get("nodes").asInt());
        assertEquals(1, j.get("ops").get("Identity").asInt());
        assertEquals(2, j.get("standardized").get("nodes").asInt());
        assertEquals(8 * 27 + 8, j.get("params").asLong());
        assertEquals(4 * (8 * 27 + 8), j.get("initializerBytes").asLong());
        // Conv: 2*8*16*16 outputs x 27; Relu: 1 per output element
        assertEquals(2L * 8 * 256 * 27 + 2L * 8 * 256, j.get("macs").asLong());
        assertFalse(j.get("macsUnknownDims").asBoolean());
        assertEquals(8, j.get("irVersion").asInt());
        assertEquals(13, j.get("opsets").get("ai.onnx").asInt());
        JsonNode in = j.get("inputs").get(0);
        assertEquals("input", in.get("name").asText());
        assertEquals("float", in.get("elemType").asText());
        assertEquals("[2,3,16,16]", in.get("shape").toString());
        assertEquals("[2,8,16,16]", j.get("outputs").get(0).get("shape").toString());
    }

    @Test
    void symbolicDimsStayNamed() throws Exception {
        CliRun r = run("inspect", tinyConv().toString(), "--json");
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("[\"batch\",8,16,16]", j.get("outputs").get(0).get("shape").toString());
        assertTrue(j.get("macsUnknownDims").asBoolean());
        assertEquals(8L * 256 * 27 + 8L * 256, j.get("macs").asLong());
    }

    @Test
    void textOutput() throws Exception {
        CliRun r = run("inspect", tinyConv().toString());
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Parameters    224 (float 224; 896 bytes)"), r.out());
        assertTrue(r.out().contains("Output        output  float [batch,8,16,16]"), r.out());
        assertTrue(r.out().contains("Ops           Conv 1, Identity 1, Relu 1"), r.out());
        assertTrue(r.out().contains("Subgraphs     none"), r.out());
    }

    @Test
    void badFilesGiveOneLine() throws Exception {
        Path junk = dir.resolve("junk.onnx");
        Files.write(junk, new byte[] {(byte) 0xff, 0x13, 0x00, 0x7f, 0x01});
        CliRun r = run("inspect", junk.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("lopper: cannot read " + junk + ": "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        CliRun missing = run("inspect", dir.resolve("nope.onnx").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().startsWith("lopper: cannot read "), missing.err());
    }

    @Test
    void badInputShapes() throws Exception {
        Path p = tinyConv();
        CliRun malformed = run("inspect", p.toString(), "--input-shape", "input=1,x");
        assertEquals(2, malformed.code(), "err=" + malformed.err() + " out=" + malformed.out());
        CliRun wrongRank = run("inspect", p.toString(), "--input-shape", "input=1,3");
        assertEquals(1, wrongRank.code());
        assertTrue(wrongRank.err().startsWith("lopper: --input-shape: input 'input' has rank 4"), wrongRank.err());
        CliRun noSuch = run("inspect", p.toString(), "--input-shape", "foo=1");
        assertEquals(1, noSuch.code());
        assertTrue(noSuch.err().contains("model has no input 'foo'"), noSuch.err());
    }

    @Test
    void noStandardizeKeepsEveryNode() throws Exception {
        CliRun r = run("inspect", tinyConv().toString(), "--json", "--no-standardize", "--per-node");
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(3, j.get("standardized").get("nodes").asInt());
        assertEquals(3, j.get("perNode").size());
        assertEquals(8L * 256 * 27, j.get("perNode").get(0).get("macs").asLong());
    }
}
