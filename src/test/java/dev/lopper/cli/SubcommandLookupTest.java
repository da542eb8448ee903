package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import picocli.CommandLine.Command;

/** Start-up: only the invoked subcommand is built; anything else gets the full command line. */
class SubcommandLookupTest {
    @Command(name = "front")
    static final class Front implements Runnable {
        @Override
        public void run() {}
    }

    @Test
    void theInvokedSubcommandIsFound() {
        Object[] none = new Object[0];
        assertSame(PruneCommand.class, LopperCommand.invoked(new String[] {"prune", "m.onnx", "-o", "x.onnx"}, none));
        assertSame(PruneCommand.class, LopperCommand.invoked(new String[] {"--verbose", "prune", "m.onnx"}, none));
        assertSame(InspectCommand.class, LopperCommand.invoked(new String[] {"--timeout", "5", "inspect", "m.onnx"}, none));
        assertSame(BenchSuiteCommand.class, LopperCommand.invoked(new String[] {"--timeout=5", "bench-suite"}, none));
        Front f = new Front();
        assertSame(f, LopperCommand.invoked(new String[] {"front"}, new Object[] {f}));
        assertNull(LopperCommand.invoked(new String[] {}, none));
        assertNull(LopperCommand.invoked(new String[] {"--help"}, none));
        assertNull(LopperCommand.invoked(new String[] {"--version"}, none));
        assertNull(LopperCommand.invoked(new String[] {"prnue", "m.onnx"}, none));
        assertNull(LopperCommand.invoked(new String[] {"--bogus", "prune"}, none));
    }

    @Test
    void helpAndErrorsAreUnchanged() {
        // a subcommand's help and usage errors read the same whether one or all subcommands are built
        StringWriter lazy = new StringWriter(), full = new StringWriter();
        var a = new picocli.CommandLine(new LopperCommand());
        a.addSubcommand(PruneCommand.class);
        a.getSubcommands().get("prune").usage(new PrintWriter(lazy));
        LopperCommand.commandLine().getSubcommands().get("prune").usage(new PrintWriter(full));
        assertEquals(full.toString(), lazy.toString());
        assertTrue(full.toString().contains("Usage: lopper prune"), full.toString());
    }
}
