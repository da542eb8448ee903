package dev.lopper;

import dev.lopper.cli.LopperCommand;

/**
 * Entry point. With no arguments (or only a model path) it opens the desktop app; with a command it is the CLI.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        dev.lopper.runtime.OrtNatives.useUnpackedIfPresent(); // before any ONNX Runtime class loads its library
        if (args.length == 0 || (args.length == 1 && isModelArgument(args[0]))) {
            dev.lopper.app.AppLauncher.launch(args);
            System.exit(0); // background work (ONNX Runtime, tasks) must not keep a closed app alive
            return;
        }
        System.exit(LopperCommand.run(args, new dev.lopper.app.GuiCommand()));
    }

    /** A lone argument that names a model (an .onnx path, or any existing file) opens the app. */
    static boolean isModelArgument(String arg) {
        if (arg.startsWith("-")) return false;
        if (arg.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) return true;
        try {
            return java.nio.file.Files.isRegularFile(java.nio.file.Path.of(arg));
        } catch (RuntimeException e) {
            return false;
        }
    }
}
