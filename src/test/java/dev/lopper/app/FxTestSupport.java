package dev.lopper.app;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.concurrent.Callable;

import javafx.application.Platform;

/** Starts the JavaFX toolkit once (headless under Monocle) and runs code on its thread. */
public final class FxTestSupport {
    private static boolean started;

    private FxTestSupport() {}

    public static synchronized void startToolkit() throws InterruptedException {
        if (started) return;
        CountDownLatch latch = new CountDownLatch(1);
        try {
            Platform.startup(latch::countDown);
        } catch (IllegalStateException alreadyRunning) {
            latch.countDown();
        }
        latch.await(20, TimeUnit.SECONDS);
        Platform.setImplicitExit(false);
        started = true;
    }

    /** Runs on the FX thread and returns its result. */
    public static <T> T onFx(Callable<T> c) throws Exception {
        AtomicReference<T> out = new AtomicReference<>();
        AtomicReference<Exception> err = new AtomicReference<>();
        CountDownLatch latch = new CountDownLatch(1);
        Platform.runLater(() -> {
            try {
                out.set(c.call());
            } catch (Exception e) {
                err.set(e);
            } finally {
                latch.countDown();
            }
        });
        if (!latch.await(30, TimeUnit.SECONDS)) throw new AssertionError("FX thread did not answer");
        if (err.get() != null) throw err.get();
        return out.get();
    }

    public static void onFx(Runnable r) throws Exception {
        onFx(() -> {
            r.run();
            return null;
        });
    }

    /** Polls (on the FX thread) until the condition holds. */
    public static void waitFor(BooleanSupplier condition, long timeoutMillis) throws Exception {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < end) {
            if (onFx(condition::getAsBoolean)) return;
            Thread.sleep(20);
        }
        throw new AssertionError("condition not met within " + timeoutMillis + " ms");
    }
}
