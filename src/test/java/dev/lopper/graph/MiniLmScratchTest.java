package dev.lopper.graph;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.lopper.onnx.OnnxModel;

class MiniLmScratchTest {
    @Test
    void dump() throws Exception {
        List<Path> files = new java.util.ArrayList<>();
        files.add(Path.of("/tmp/graphwork/all-minilm-l6-v2.onnx"));
        try (var s = Files.list(Path.of("src/test/resources/models"))) { s.filter(p -> p.toString().endsWith(".onnx")).sorted().forEach(files::add); }
        for (Path p : files) {
            OnnxModel m;
            try { m = OnnxModel.read(p); } catch (Exception e) { System.out.println(p.getFileName() + " READ FAIL " + e.getMessage()); continue; }
            long t0 = System.nanoTime();
            ModelGraph g = GraphLoader.load(m, Map.of());
            long t1 = System.nanoTime();
            Map<String, Integer> h = new TreeMap<>();
            int unknown = 0;
            for (Node n : g.nodes()) {
                h.merge(n.opType(), 1, Integer::sum);
                for (String o : n.outputs()) if (!o.isEmpty() && !g.shape(o).hasRank()) unknown++;
            }
            System.out.println(p.getFileName() + " " + (t1 - t0) / 1000000 + "ms raw=" + m.proto().getGraph().getNodeCount() + " view=" + g.nodes().size() + " unknownRank=" + unknown + " " + Standardizer.summary(g) + " " + h);
            for (String o : g.outputs()) System.out.println("   out " + o + " " + g.shape(o));
        }
    }
}
