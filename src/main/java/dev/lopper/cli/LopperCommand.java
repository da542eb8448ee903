package dev.lopper.cli;

import java.io.PrintWriter;

import dev.lopper.onnx.Messages;
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
        InspectCommand.class,
        ExportGraphCommand.class,
        EvalCommand.class,
        BenchCommand.class,
        BenchSuiteCommand.class,
        GroupsCommand.class,
        PruneCommand.class,
        SensitivityCommand.class,
    };

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--timeout", paramLabel = "SECONDS", scope = CommandLine.ScopeType.INHERIT,
            description = "Time limit of ONNX Runtime work that can run away: loading a model, each run (default "
                    + dev.lopper.task.TimeLimit.DEFAULT_SECONDS + ").")
    void setTimeout(double seconds) {
        try {
            dev.lopper.task.TimeLimit.setSeconds(seconds);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static CommandLine commandLine() {
        return commandLine(new Object[0]);
    }

    /**
     * The command line with {@code frontEnds} (commands of layers above the CLI, such as the app's {@code gui})
     * listed first; the CLI itself never depends on them.
     */
    public static CommandLine commandLine(Object... frontEnds) {
        dev.lopper.task.TimeLimit.setSeconds(dev.lopper.task.TimeLimit.DEFAULT_SECONDS);
        CommandLine cl = new CommandLine(new LopperCommand());
        for (Object c : frontEnds) cl.addSubcommand(c);
        for (Class<?> c : SUBCOMMANDS) cl.addSubcommand(c);
        cl.setExecutionExceptionHandler(LopperCommand::handle);
        cl.setParameterExceptionHandler(LopperCommand::usageError);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    public static int run(String... args) {
        return run(args, new Object[0]);
    }

    /**
     * Runs {@code args} with {@code frontEnds} registered (see {@link #commandLine(Object...)}). Start-up: when
     * {@code args} name a subcommand, only that one is built (picocli reflects over every option of every command
     * it registers: about a quarter of a second of a cold CLI command for all of them); otherwise (no command, an
     * unknown one, {@code --help}) all are.
     */
    public static int run(String[] args, Object... frontEnds) {
        Object only = invoked(args, frontEnds);
        if (only == null) return commandLine(frontEnds).execute(args);
        dev.lopper.task.TimeLimit.setSeconds(dev.lopper.task.TimeLimit.DEFAULT_SECONDS);
        CommandLine cl = new CommandLine(new LopperCommand());
        cl.addSubcommand(only);
        cl.setExecutionExceptionHandler(LopperCommand::handle);
        cl.setParameterExceptionHandler(LopperCommand::usageError);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl.execute(args);
    }

    /** The subcommand (a front end or a class of {@link #SUBCOMMANDS}) that {@code args} invoke, or null. */
    static Object invoked(String[] args, Object[] frontEnds) {
        String name = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--timeout")) {
                i++; // its value
            } else if (a.equals("--verbose") || a.startsWith("--timeout=")) {
                continue;
            } else if (a.startsWith("-")) {
                return null; // --help, --version, a typo: the full command line answers
            } else {
                name = a;
                break;
            }
        }
        if (name == null) return null;
        for (Object f : frontEnds) if (names(f.getClass()).contains(name)) return f;
        for (Class<?> c : SUBCOMMANDS) if (names(c).contains(name)) return c;
        return null;
    }

    private static java.util.List<String> names(Class<?> c) {
        Command cmd = c.getAnnotation(Command.class);
        if (cmd == null) return java.util.List.of();
        java.util.List<String> n = new java.util.ArrayList<>(java.util.List.of(cmd.aliases()));
        n.add(cmd.name());
        return n;
    }

    /** A usage error: one line and a hint ({@code try 'lopper CMD --help'}), exit code 2. */
    static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        String msg = ex.getMessage() == null ? "bad arguments" : ex.getMessage().strip();
        if (ex.getCause() != null && !(ex instanceof CommandLine.UnmatchedArgumentException)) {
            String cause = ex.getCause().getMessage();
            if (ex.getCause() instanceof NumberFormatException || cause == null) {
                msg = msg.replaceAll(":\\s*\\S*(Exception|Error)\\b.*$", "");
            }
        }
        msg = stripClassNames(msg);
        err.println("lopper: " + Messages.oneLine(msg) + " (try '" + cl.getCommandSpec().qualifiedName() + " --help')");
        if (verbose(args)) ex.printStackTrace(err);
        err.flush();
        return 2;
    }

    /**
     * Errors become one line {@code lopper: MESSAGE}, exit code 1; a stack trace only with --verbose. Messages are
     * escaped to one line, ONNX Runtime's text is reduced to the user-actionable part, and no exception class name
     * is shown: what Lopper did not expect is reported as an internal error.
     */
    static int handle(Exception ex, CommandLine cl, CommandLine.ParseResult parse) {
        PrintWriter err = cl.getErr();
        boolean verbose = parse.hasMatchedOption("--verbose") || anyVerbose(parse);
        err.println("lopper: " + Messages.oneLine(message(ex, verbose)));
        if (verbose) ex.printStackTrace(err);
        err.flush();
        return 1;
    }

    /** The user-facing text of a failure (without the "lopper: " prefix). */
    static String message(Throwable ex, boolean verbose) {
        String m = ex.getMessage();
        if (ex instanceof ModelLoadException || ex instanceof CliException || ex instanceof dev.lopper.onnx.ModelWriteException
                || ex instanceof dev.lopper.runtime.EvalException || ex instanceof dev.lopper.prune.PlanException) {
            return verbose ? m : stripClassNames(Messages.ort(m));
        }
        if (ex instanceof dev.lopper.task.TimeLimit.ExceededException) return m;
        if (ex instanceof java.nio.file.FileSystemException f) {
            String file = f.getFile() == null ? "" : f.getFile() + ": ";
            String why = ex instanceof java.nio.file.NoSuchFileException ? "no such file or folder"
                    : ex instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : ex instanceof java.nio.file.NotDirectoryException ? "not a folder"
                    : ex instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                    : f.getReason() != null ? f.getReason() : "cannot access";
            return file + why;
        }
        if (ex instanceof java.io.IOException) return m == null ? "input/output error" : stripClassNames(m);
        if (ex instanceof ArithmeticException) {
            return "a size or offset in the input is too large to compute with (integer overflow)"
                    + (verbose ? "" : "; run with --verbose for details");
        }
        if (ex instanceof ai.onnxruntime.OrtException) {
            return "ONNX Runtime: " + (verbose ? m : stripClassNames(Messages.ort(m)));
        }
        if (ex instanceof OutOfMemoryError) return "out of memory (give Java more with -Xmx, or use a smaller model/batch)";
        if (ex.getCause() != null && ex.getCause() != ex
                && (ex instanceof java.util.concurrent.ExecutionException || ex instanceof java.io.UncheckedIOException
                || ex.getClass() == RuntimeException.class)) {
            return message(ex.getCause(), verbose);
        }
        return "internal error" + (m == null || m.isBlank() ? "" : ": " + stripClassNames(Messages.ort(m)))
                + " (this is a bug; run with --verbose for details and report it)";
    }

    private static final java.util.regex.Pattern CLASS_NAME =
            java.util.regex.Pattern.compile("\\b(?:[a-z_$][\\w$]*\\.)*[A-Z][\\w$]*(?:Exception|Error)\\b:?\\s*");

    /** Drops Java exception class names ({@code java.io.IOException: }, {@code OrtException}) from a message. */
    static String stripClassNames(String m) {
        if (m == null) return "";
        String t = CLASS_NAME.matcher(m).replaceAll("").strip();
        return t.isEmpty() ? "failed" : t;
    }

    private static boolean verbose(String[] args) {
        for (String a : args) if ("--verbose".equals(a)) return true;
        return false;
    }


    /** True when --verbose was given to this command or any command above it. */
    static boolean verbose(CommandLine cl) {
        for (CommandLine c = cl; c != null; c = c.getParent()) {
            if (c.getParseResult() != null && c.getParseResult().hasMatchedOption("--verbose")) return true;
        }
        return false;
    }

    /** Seconds since this process started (the OS's start time; no java.lang.management, which costs classes). */
    static double uptimeSeconds() {
        return ProcessHandle.current().info().startInstant()
                .map(t -> java.time.Duration.between(t, java.time.Instant.now()).toNanos() / 1e9).orElse(Double.NaN);
    }

    /** CPU seconds this process has used so far (all threads), as the OS counts them. */
    static double cpuSeconds() {
        return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
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

    /** Lopper (jar manifest), Java and ONNX Runtime (native library) versions. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return dev.lopper.about.BuildInfo.versionLines().toArray(String[]::new);
        }
    }
}
