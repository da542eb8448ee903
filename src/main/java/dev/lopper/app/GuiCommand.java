package dev.lopper.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lopper gui [MODEL]}: opens the desktop app (registered by {@code dev.lopper.Main}, so the CLI never depends on the app). */
@Command(name = "gui", mixinStandardHelpOptions = true, description = "Open the desktop app.")
public final class GuiCommand implements Runnable {
    @Parameters(arity = "0..1", paramLabel = "MODEL", description = "ONNX model to open (default: bundled sample).")
    Path model;

    @Option(names = "--screenshot", paramLabel = "FILE.png",
            description = "Render the main window with the model loaded, write the PNG and exit.")
    Path screenshot;

    @Option(names = "--hide-shape-ops", description = "Start with the nodes that only compute shapes hidden.")
    boolean hideShapeOps;

    @Option(names = "--group", paramLabel = "ID", description = "With --screenshot: the group to select (default: the largest prunable one).")
    String group;

    @Option(names = "--first-paint", description = {"Open the model, print the time from launch and from open to the first frame of its",
            "graph (first paint: ... ms after launch, ... ms after open), then exit (lopper bench-suite runs this)."})
    boolean firstPaint;

    @Option(names = "--open-body", paramLabel = "NODE[:BODY]",
            description = "With --screenshot: open the body of an If/Loop/Scan node (e.g. If_1:then_branch).")
    String openBody;

    @Option(names = "--compare", description = "With --screenshot: show the compare view (original and pruned).")
    boolean compare;

    @Option(names = "--collapse-blocks", description = "With --screenshot: collapse the repeated blocks.")
    boolean collapseBlocks;

    @Override
    public void run() {
        List<String> args = new ArrayList<>();
        if (model != null) args.add(model.toString());
        if (screenshot != null) {
            args.add("--screenshot");
            args.add(screenshot.toString());
        }
        if (hideShapeOps) args.add("--hide-shape-ops");
        if (firstPaint) args.add("--first-paint");
        if (group != null) {
            args.add("--group");
            args.add(group);
        }
        if (openBody != null) {
            args.add("--open-body");
            args.add(openBody);
        }
        if (compare) args.add("--compare");
        if (collapseBlocks) args.add("--collapse-blocks");
        dev.lopper.app.AppLauncher.launch(args.toArray(String[]::new));
    }
}
