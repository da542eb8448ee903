package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/**
 * Every help line is a format string (picocli formats it with %n): a bare '%' makes `--help` print a warning
 * per line and the raw text. Renders every command's help and asserts picocli said nothing on stderr.
 */
class HelpFormatTest {
    @Test
    void everyCommandsHelpRendersWithoutWarnings() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        StringWriter help = new StringWriter();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            render(LopperCommand.commandLine(), new PrintWriter(help));
        } finally {
            System.setErr(err);
        }
        assertEquals("", captured.toString(StandardCharsets.UTF_8));
        assertTrue(help.toString().contains("(0.97 or 97%)"), "the percentage is printed as one %");
        assertTrue(help.toString().contains("Usage: lopper prune"));
    }

    private static void render(CommandLine cl, PrintWriter out) {
        cl.usage(out);
        for (CommandLine sub : cl.getSubcommands().values()) render(sub, out);
    }
}
