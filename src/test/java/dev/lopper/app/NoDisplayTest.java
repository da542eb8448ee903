package dev.lopper.app;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NoDisplayTest {
    @Test
    void linuxWithoutDisplayIsRefusedWithAHint() {
        String why = AppLauncher.noDisplay("Linux", null, "", null);
        assertTrue(why.startsWith("cannot open a window: no display"), why);
        assertTrue(why.contains("xvfb-run -a lopper gui MODEL --screenshot out.png"), why);
        assertNull(AppLauncher.noDisplay("Linux", ":0", null, null));
        assertNull(AppLauncher.noDisplay("Linux", null, "wayland-0", null));
        assertNull(AppLauncher.noDisplay("Linux", null, null, "Monocle"));
        assertNull(AppLauncher.noDisplay("Mac OS X", null, null, null));
        assertNull(AppLauncher.noDisplay("Windows 11", null, null, null));
    }
}
