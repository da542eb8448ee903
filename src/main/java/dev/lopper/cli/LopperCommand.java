package dev.lopper.cli;

import java.io.PrintWriter;

import dev.lopper.onnx.ModelLoadException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The top-level {@code lopper} command. Every subcommand is registered in {@link #SUBCOMMANDS}. */
@Command(name = "lopper", mixinStandardHelpOptions = true, versionProvider = LopperCommand.Version.class,
        description = "Structurally prune any ONNX model and see what you cut.",
        subcommandsRepeatable = false)
public final class LopperCommand implements Runnable {
    /** The one table of subcommands. */
    static final Class<?>[] SUBCOMMANDS = {
        GuiCommand.class,
        InspectCommand.class,
        EvalCommand.class,
        BenchCommand.class,
        GroupsCommand.class,
        PruneCommand.class,
        SensitivityCommand.class,
    };

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LopperCommand());
        for (Class<?> c : SUBCOMMANDS) cl.addSubcommand(c);
        cl.setExecutionExceptionHandler(LopperCommand::handle);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** Errors become one line {@code lopper: MESSAGE}, exit code 1; a stack trace only with --verbose. */
    static int handle(Exception ex, CommandLine cl, CommandLine.ParseResult parse) {
        PrintWriter err = cl.getErr();
        boolean verbose = parse.hasMatchedOption("--verbose") || anyVerbose(parse);
        String msg;
        if (ex instanceof ModelLoadException || ex instanceof CliException
                || ex instanceof dev.lopper.onnx.ModelWriteException) {
            msg = ex.getMessage();
        } else {
            msg = ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + firstLine(ex.getMessage()));
        }
        err.println("lopper: " + msg);
        if (verbose) ex.printStackTrace(err);
        err.flush();
        return 1;
    }

    private static boolean anyVerbose(CommandLine.ParseResult parse) {
        for (CommandLine.ParseResult p = parse; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }

    private static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    /** Version from the jar manifest. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = LopperCommand.class.getPackage().getImplementationVersion();
            return new String[] {"lopper " + (v == null ? "dev" : v)};
        }
    }
}
