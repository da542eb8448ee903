package dev.lopper;

import dev.lopper.cli.LopperCommand;

/**
 * Entry point. With no arguments (or only a model path) it opens the desktop app; with a command it is the CLI.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length == 0 || (args.length == 1 && args[0].endsWith(".onnx"))) {
            dev.lopper.app.AppLauncher.launch(args);
            return;
        }
        System.exit(LopperCommand.run(args));
    }
}
