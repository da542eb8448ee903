package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** `lopper export-graph`: draw.io and GraphML files of the sample and of one group, well-formed and complete. */
class ExportGraphCommandTest {
    static final Path SAMPLE = Path.of("samples", "digits_cnn.onnx");
    @TempDir Path tmp;

    static Document parse(Path f) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(f.toFile());
    }

    static int count(String out, String what) {
        Matcher m = Pattern.compile("\\((\\d+) nodes, (\\d+) edges\\)").matcher(out);
        assertTrue(m.find(), out);
        return Integer.parseInt(m.group(what.equals("nodes") ? 1 : 2));
    }

    @Test
    void wholeGraphAsDrawioAndGraphml() throws Exception {
        Path d = tmp.resolve("g.drawio");
        CliRun r = CliRun.of("export-graph", SAMPLE.toString(), "-o", d.toString());
        assertEquals(0, r.code(), r.err());
        CliRun inspect = CliRun.of("inspect", SAMPLE.toString(), "--json");
        int nodes = new com.fasterxml.jackson.databind.ObjectMapper().readTree(inspect.out()).get("standardized").get("nodes").asInt();
        Document doc = parse(d);
        int vertices = 0, edges = 0;
        var cells = doc.getElementsByTagName("mxCell");
        for (int i = 0; i < cells.getLength(); i++) {
            var c = (org.w3c.dom.Element) cells.item(i);
            if (c.getAttribute("vertex").equals("1")) vertices++;
            if (c.getAttribute("edge").equals("1")) edges++;
        }
        assertEquals(nodes, vertices);
        assertEquals(count(r.out(), "nodes"), vertices);
        assertEquals(count(r.out(), "edges"), edges);
        Path g = tmp.resolve("g.graphml");
        CliRun r2 = CliRun.of("export-graph", SAMPLE.toString(), "-o", g.toString());
        assertEquals(0, r2.code(), r2.err());
        Document gm = parse(g);
        assertEquals(nodes, gm.getElementsByTagName("node").getLength());
        assertEquals(edges, gm.getElementsByTagName("edge").getLength());
    }

    @Test
    void oneGroupsSubgraph() throws Exception {
        CliRun groups = CliRun.of("groups", SAMPLE.toString(), "--json");
        var j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(groups.out());
        String id = null;
        for (var gr : j.get("groups")) if (gr.get("status").asText().equals("prunable")) { id = gr.get("id").asText(); break; }
        Path d = tmp.resolve("group.drawio");
        CliRun r = CliRun.of("export-graph", SAMPLE.toString(), "--group", id, "-o", d.toString());
        assertEquals(0, r.code(), r.err());
        int n = count(r.out(), "nodes");
        assertTrue(n >= 2 && n < 20, r.out());
        assertTrue(Files.readString(d).contains("<mxGraphModel"));
    }

    @Test
    void badGroupAndBadExtensionAreOneLineErrors() {
        CliRun r = CliRun.of("export-graph", SAMPLE.toString(), "--group", "g:nope", "-o", tmp.resolve("x.drawio").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("has no group 'g:nope'"), r.err());
        assertFalse(Files.exists(tmp.resolve("x.drawio")));
        CliRun r2 = CliRun.of("export-graph", SAMPLE.toString(), "-o", tmp.resolve("x.png").toString());
        assertEquals(2, r2.code());
        assertTrue(r2.err().contains(".drawio or .graphml"), r2.err());
    }
}
