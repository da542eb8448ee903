package dev.lopper.analysis;

import java.util.Map;

import org.junit.jupiter.api.Test;

class ScratchTest {
    @Test
    void one() throws Exception {
        String f = System.getProperty("model", "vit_slim_op13.onnx");
        GroupAnalysis a = ManifestGroupsTest.analyze(f);
        String gid = "g:/conv_proj/Conv/out";
        for (Rewrite r : a.rewrites()) {
            if (!r.node().contains("encoder_layer_0/self_attention/Reshape")) continue;
            System.out.println(r.node() + " idx=" + a.graph().node(r.node()).protoIndices() + " " + r);
            if (r instanceof Rewrite.ShapeInput si) {
                for (Dim d : si.entries()) System.out.println("   " + d + " dep=" + a.dependsOn(d, java.util.Set.of(gid)) + " new=" + a.newSize(d, Map.of(gid, 31)));
            }
        }
        System.out.println(a.graph().model().proto().getGraph().getNode(a.graph().node("/encoder/layers/encoder_layer_0/self_attention/Reshape_1").protoIndices().get(0)));
    }
}
