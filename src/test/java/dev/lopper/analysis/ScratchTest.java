package dev.lopper.analysis;

import org.junit.jupiter.api.Test;

class ScratchTest {
    static { System.setProperty("lopper.debugRules", "true"); }

    @Test
    void one() throws Exception {
        String f = System.getProperty("model", "vit_slim_op13.onnx");
        Thread main = Thread.currentThread();
        Thread w = new Thread(() -> {
            try { Thread.sleep(6000); } catch (InterruptedException e) { return; }
            for (StackTraceElement s : main.getStackTrace()) System.out.println("  at " + s);
            System.exit(3);
        });
        w.setDaemon(true);
        w.start();
        GroupAnalysis a = ManifestGroupsTest.analyze(f);
        w.interrupt();
        System.out.println(a.table(false));
    }
}
