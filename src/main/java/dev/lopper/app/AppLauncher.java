package dev.lopper.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import javafx.animation.PauseTransition;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.Scene;
import javafx.scene.image.Image;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import javafx.util.Duration;

import javax.imageio.ImageIO;

/** Starts the JavaFX application (kept apart from Main so the CLI never loads JavaFX classes). */
public final class AppLauncher {
    private AppLauncher() {}

    /** {@code [MODEL] [--screenshot FILE.png] [--hide-shape-ops] [--group ID] [--open-body NODE:BODY] [--compare]} */
    public static void launch(String[] args) {
        String none = noDisplay(System.getProperty("os.name", ""), System.getenv("DISPLAY"), System.getenv("WAYLAND_DISPLAY"),
                System.getProperty("glass.platform"));
        if (none != null) exit(none);
        try {
            Application.launch(LopperApp.class, args);
        } catch (UnsupportedOperationException e) {
            // GTK cannot connect (DISPLAY names no reachable X server): one line, not JavaFX's stack trace
            String m = e.getMessage() == null ? "" : e.getMessage();
            exit("cannot open a window: " + dev.lopper.onnx.Messages.oneLine(m.isEmpty() ? "no display" : m)
                    + " (DISPLAY=" + System.getenv("DISPLAY") + ")" + HEADLESS_HINT);
        }
    }

    static final String HEADLESS_HINT = "; the CLI needs no display (lopper --help), and xvfb-run -a lopper gui MODEL --screenshot out.png"
            + " renders the app without one";

    /** Why the app cannot open a window on this system (Linux/BSD without DISPLAY or WAYLAND_DISPLAY), or null. */
    static String noDisplay(String os, String display, String wayland, String glassPlatform) {
        String o = os.toLowerCase(java.util.Locale.ROOT);
        if (o.contains("win") || o.contains("mac") || glassPlatform != null) return null; // Monocle (tests) needs none
        if (display != null && !display.isBlank()) return null;
        if (wayland != null && !wayland.isBlank()) return null;
        return "cannot open a window: no display (neither DISPLAY nor WAYLAND_DISPLAY is set)" + HEADLESS_HINT;
    }

    private static void exit(String message) {
        System.err.println("lopper: " + message);
        System.err.flush();
        System.exit(1);
    }

    /** Parsed command line of the app. */
    record Options(Path model, Path screenshot, boolean hideShapeOps, String group, String openBody, boolean compare,
                   boolean collapseBlocks, boolean firstPaint) {
        static Options parse(List<String> args) {
            Path model = null;
            Path shot = null;
            boolean hide = false;
            boolean firstPaint = false;
            String group = null;
            String body = null;
            boolean compare = false;
            boolean collapse = false;
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--screenshot") && i + 1 < args.size()) shot = Path.of(args.get(++i));
                else if (a.equals("--group") && i + 1 < args.size()) group = args.get(++i);
                else if (a.equals("--open-body") && i + 1 < args.size()) body = args.get(++i);
                else if (a.equals("--hide-shape-ops")) hide = true;
                else if (a.equals("--first-paint")) firstPaint = true;
                else if (a.equals("--compare")) compare = true;
                else if (a.equals("--collapse-blocks")) collapse = true;
                else if (!a.startsWith("-")) model = Path.of(a);
            }
            return new Options(model, shot, hide, group, body, compare, collapse, firstPaint);
        }
    }

    /** The main window's preferred size. */
    static final double WIDTH = 1440;
    static final double HEIGHT = 900;

    public static final class LopperApp extends Application {
        @Override
        public void start(Stage stage) {
            Options opts = Options.parse(new ArrayList<>(getParameters().getRaw()));
            // a screenshot run leaves the user's recent files alone
            MainViewModel vm = new MainViewModel(new CoreServices(),
                    opts.screenshot() != null || opts.firstPaint() ? RecentFiles.inMemory() : RecentFiles.userDefault());
            Scene scene = createScene(vm, WIDTH, HEIGHT);
            MainView view = (MainView) scene.getRoot();
            stage.titleProperty().bind(vm.titleProperty());
            vm.graph().hideShapeOpsProperty().set(opts.hideShapeOps());
            stage.setScene(scene);
            Image icon = icon();
            if (icon != null) stage.getIcons().add(icon);
            if (opts.firstPaint()) {
                firstPaintMode(view, vm);
            } else if (opts.screenshot() != null) {
                screenshotMode(stage, scene, vm, opts);
            } else {
                vm.errorProperty().addListener((o, a, msg) -> {
                    if (msg != null) view.showError(msg);
                });
            }
            stage.show();
            // set after show: a window manager may map the stage at 200×200 otherwise (JDK-8316423)
            WindowKeeper.sizeAfterShow(stage, WIDTH, HEIGHT);
            openedAt = System.nanoTime();
            if (opts.model() != null) vm.open(opts.model());
            else vm.openSample();
        }

        private long openedAt;

        /**
         * {@code --first-paint}: once the graph canvas has drawn the model's graph, waits for the next pulse (the frame
         * with that drawing has been handed to the renderer), prints
         * {@code first paint: L ms after launch, O ms after open} (launch: the OS's process start; open: the call
         * that opens the model, after the window is shown) and exits. Errors exit 1 with one line.
         */
        private void firstPaintMode(MainView view, MainViewModel vm) {
            vm.errorProperty().addListener((o, a, msg) -> {
                if (msg == null) return;
                System.err.println("lopper: " + msg);
                System.err.flush();
                Runtime.getRuntime().halt(1);
            });
            view.graphView().setOnScenePainted(() -> {
                long painted = System.nanoTime();
                javafx.animation.AnimationTimer next = new javafx.animation.AnimationTimer() {
                    @Override
                    public void handle(long now) {
                        stop();
                        long frame = System.nanoTime();
                        double sinceOpen = (frame - openedAt) / 1e6;
                        double sinceLaunch = ProcessHandle.current().info().startInstant()
                                .map(t -> java.time.Duration.between(t, java.time.Instant.now()).toNanos() / 1e6).orElse(Double.NaN);
                        System.out.printf(java.util.Locale.ROOT, "first paint: %.0f ms after launch, %.0f ms after open (paint issued %.0f ms after open)%n",
                                sinceLaunch, sinceOpen, (painted - openedAt) / 1e6);
                        System.out.flush();
                        Platform.exit();
                    }
                };
                next.start();
            });
        }

        private static Image icon() {
            var in = AppLauncher.class.getResourceAsStream("/dev/lopper/app/lopper.png");
            return in == null ? null : new Image(in);
        }

        private void screenshotMode(Stage stage, Scene scene, MainViewModel vm, Options opts) {
            vm.errorProperty().addListener((o, a, msg) -> {
                if (msg == null) return;
                System.err.println("lopper: " + msg);
                System.err.flush();
                Runtime.getRuntime().halt(1);
            });
            vm.groups().analysedProperty().addListener((o, a, done) -> {
                if (!done) return;
                var prune = vm.prune();
                boolean hasGroups = !vm.groups().rows().isEmpty();
                // groups computed → plan → pruned and verified → a short A/B timing; each step waits a bounded time
                whenReady(() -> !hasGroups || prune.prunedProperty().get() != null
                        || prune.pruneStatusProperty().get().startsWith("Pruning failed")
                        || prune.pruneStatusProperty().get().startsWith("The plan removes")
                        || prune.planStatusProperty().get().startsWith("Cannot"), 60_000, () -> {
                    var chosen = opts.group() == null ? null : vm.groups().row(opts.group());
                    if (chosen != null) vm.groups().select(chosen);
                    else vm.groups().selectShowcaseGroup();
                    if (hasGroups) prune.evaluate(30);
                    whenReady(() -> !hasGroups || prune.latencyStatusProperty().get().startsWith("median")
                            || prune.latencyStatusProperty().get().startsWith("original")
                            || prune.latencyStatusProperty().get().startsWith("Cannot"), 90_000, () -> finalView(vm, opts, () -> {
                        PauseTransition paint = new PauseTransition(Duration.millis(500));
                        paint.setOnFinished(e2 -> {
                            try {
                                writePng(scene.snapshot(null), opts.screenshot());
                                System.out.println("wrote " + opts.screenshot());
                                System.out.flush();
                                Platform.exit();
                            } catch (IOException ex) {
                                System.err.println("lopper: cannot write " + opts.screenshot() + ": " + ex.getMessage());
                                Runtime.getRuntime().halt(1);
                            }
                        });
                        paint.play();
                    }));
                });
            });
        }

        /** Screenshot mode: the view asked for (an open body, the compare view), then {@code then}. */
        private static void finalView(MainViewModel vm, Options opts, Runnable then) {
            if (opts.collapseBlocks() && vm.graph().collapsedKeysProperty().get().isEmpty()
                    && !vm.graph().sceneProperty().get().blocks().isEmpty()) {
                vm.graph().collapseAll();
                whenReady(() -> !vm.graph().sceneProperty().get().collapsed().isEmpty(), 30_000, () -> {
                    if (vm.graph().sceneProperty().get().collapsed().isEmpty()) then.run(); // timed out: as it is
                    else finalView(vm, opts, then);
                });
                return;
            }
            if (opts.openBody() != null) {
                String[] nb = opts.openBody().split(":", 2);
                var scene = vm.graph().sceneProperty().get();
                int box = scene == null ? -1 : scene.boxOf(nb[0]);
                var bodies = vm.bodies().bodies(box);
                if (bodies.isEmpty()) {
                    System.err.println("lopper: no node " + nb[0] + " with a body in the graph");
                    Runtime.getRuntime().halt(1);
                }
                vm.bodies().open(box, nb.length > 1 ? nb[1] : bodies.get(0));
                whenReady(() -> vm.bodies().depth() > 0, 30_000, then);
            } else if (opts.compare()) {
                vm.compare().shownProperty().set(true);
                // compared, then both profiled (the table's time column)
                whenReady(() -> vm.compare().comparisonProperty().get() != null, 60_000, () -> {
                    vm.compare().profile();
                    whenReady(() -> vm.compare().rows().stream().anyMatch(r -> r.msBefore() != null)
                            || vm.compare().statusProperty().get().startsWith("Cannot"), 60_000, then);
                });
            } else {
                then.run();
            }
        }

        /** Runs {@code then} on the FX thread once {@code ready} holds, or after {@code timeoutMillis}. */
        private static void whenReady(java.util.function.BooleanSupplier ready, long timeoutMillis, Runnable then) {
            long end = System.currentTimeMillis() + timeoutMillis;
            javafx.animation.Timeline poll = new javafx.animation.Timeline();
            poll.getKeyFrames().add(new javafx.animation.KeyFrame(Duration.millis(100), e -> {
                if (ready.getAsBoolean() || System.currentTimeMillis() > end) {
                    poll.stop();
                    then.run();
                }
            }));
            poll.setCycleCount(javafx.animation.Animation.INDEFINITE);
            poll.play();
        }
    }

    /** Builds the main scene with the stylesheet. */
    public static Scene createScene(MainViewModel vm, double width, double height) {
        MainView view = new MainView(vm);
        Scene scene = new Scene(view, width, height);
        scene.getStylesheets().add(AppLauncher.class.getResource("/dev/lopper/app/lopper.css").toExternalForm());
        return scene;
    }

    /** Writes a PNG atomically (temp file, then move). */
    public static void writePng(WritableImage image, Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".lopper", ".png.part");
        try {
            if (!ImageIO.write(SwingFXUtils.fromFXImage(image, null), "png", tmp.toFile())) {
                throw new IOException("no PNG writer available");
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
