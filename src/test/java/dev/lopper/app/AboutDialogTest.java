package dev.lopper.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.lopper.about.BuildInfo;

class AboutDialogTest {
    @Test
    void showsVersionsAndEveryLicense() {
        String t = AboutDialog.text();
        for (String line : BuildInfo.versionLines()) assertTrue(t.contains(line), line);
        for (BuildInfo.Library l : BuildInfo.libraries()) {
            assertTrue(t.contains(l.artifact()) && t.contains(l.license()), l.artifact());
        }
        assertTrue(t.contains("com.microsoft.onnxruntime:onnxruntime") && t.contains("MIT"));
    }
}
