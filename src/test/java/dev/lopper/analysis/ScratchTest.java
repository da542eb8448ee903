package dev.lopper.analysis;

import org.junit.jupiter.api.Test;

class ScratchTest {
    static { System.setProperty("lopper.debugRules", System.getProperty("debugRules", "false")); }

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
        GroupAnalysis a;
        try {
            a = ManifestGroupsTest.analyze(f);
        } catch (StackOverflowError e) {
            StackTraceElement[] st = e.getStackTrace();
            for (int i = 0; i < 12; i++) System.out.println("top " + st[i]);
            for (int i = st.length - 40; i < st.length - 25; i++) System.out.println("bottom " + st[i]);
            throw e;
        }
        w.interrupt();
        System.out.println(a.table(false));
    }
}
