package dev.lopper.analysis;

import java.util.Map;

import org.junit.jupiter.api.Test;

class ScratchTest {
    @Test
    void one() throws Exception {
        String f = System.getProperty("model", "vit_slim_op13.onnx");
        GroupAnalysis a = ManifestGroupsTest.analyze(f);
        String gid = "g:/encoder/layers/encoder_layer_0/self_attention/Slice_1/slice.after.inner";
        for (Rewrite r : a.rewrites()) {
            if (!r.node().contains("encoder_layer_0/self_attention/Slice")) continue;
            System.out.println(r);
            if (r instanceof Rewrite.SliceBounds sb) {
                System.out.println("  before " + sb.before() + " kept " + sb.kept() + " deps " + sb.dependsOn());
                for (Dim d : sb.dependsOn()) System.out.println("   dep " + d + " " + a.dependsOn(d, java.util.Set.of(gid)));
            }
        }
        var g = a.graph();
        var sl = g.node("/encoder/layers/encoder_layer_0/self_attention/Slice_1");
        System.out.println(sl + " " + sl.inputs());
        for (String in : sl.inputs()) System.out.println("  " + in + " const=" + g.isConstant(in) + " origin=" + g.constantOrigin(in));
    }
}
