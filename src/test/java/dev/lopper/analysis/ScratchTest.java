package dev.lopper.analysis;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.lopper.graph.ModelGraph;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.task.Progress;
import dev.lopper.testutil.ModelBuilder;

class ScratchTest {
    static { System.setProperty("lopper.debugRules", "true"); }
    @Test
    void residual() {
        ModelBuilder b = ModelBuilder.create("res").input("x", -1, 3, 8, 8);
        b.conv("conv1", "x", 3, 8, 3);
        b.batchNorm("bn1", "conv1", 8);
        b.relu("relu1", "bn1");
        b.conv("conv2", "relu1", 8, 8, 3);
        b.add("add", "conv2", "relu1");
        b.conv("dw", "add", 8, 8, 3, 8);
        b.conv("gc", "dw", 8, 8, 3, 2);
        b.globalAvgPool("gap", "gc");
        b.flatten("flat", "gap");
        b.gemm("fc", "flat", 8, 4);
        b.output("fc");
        GroupAnalysis a = GroupAnalyzer.analyze(b.graph(), Progress.NONE);
        System.out.println(a.table(true));
    }

    @Test
    void minilm() throws Exception {
        Path p = Files.createTempFile("minilm", ".onnx");
        try (InputStream in = getClass().getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            Files.copy(in, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        OnnxModel m = OnnxModel.read(p);
        long t0 = System.nanoTime();
        GroupAnalysis a = GroupAnalyzer.analyze(ModelGraph.raw(m), Progress.NONE);
        System.out.println("ms " + (System.nanoTime() - t0) / 1e6);
        System.out.println(a.table(false));
        GroupAnalysis a2 = GroupAnalyzer.analyze(ModelGraph.raw(m), new AnalysisOptions(false, true), Progress.NONE);
        System.out.println(a2.summaryLine());
    }
}
