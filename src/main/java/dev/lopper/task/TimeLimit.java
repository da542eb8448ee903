package dev.lopper.task;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The time limit of work that can run away (ONNX Runtime session creation and runs: verification, calibration):
 * {@code lopper --timeout SECONDS}, default {@value #DEFAULT_SECONDS} s. Session creation cannot be interrupted in
 * native code, so it runs on a daemon worker that is abandoned when the limit passes (its late result is released);
 * runs are stopped through ONNX Runtime's terminate flag ({@link #watch}).
 */
public final class TimeLimit {
    private TimeLimit() {}

    public static final long DEFAULT_SECONDS = 300;
    private static volatile long millis = DEFAULT_SECONDS * 1000;

    /** Sets the limit (seconds, > 0). */
    public static void setSeconds(double seconds) {
        if (!(seconds > 0) || Double.isInfinite(seconds)) throw new IllegalArgumentException("--timeout must be a number of seconds > 0");
        millis = Math.max(1, (long) Math.min(Long.MAX_VALUE / 2, seconds * 1000));
    }

    public static long millis() { return millis; }

    /** The limit as the user gave it, e.g. "300 s". */
    public static String describe() {
        long m = millis;
        return m % 1000 == 0 ? (m / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.3f s", m / 1000.0);
    }

    /** The work did not finish within the limit. The message is one line. */
    public static final class ExceededException extends RuntimeException {
        public ExceededException(String message) { super(message); }
    }

    /**
     * Runs {@code work} on a daemon worker and waits at most the limit.
     * @param what   what is being done, for the message ("ONNX Runtime did not finish WHAT within 300 s")
     * @param onLate receives the result if the work finishes after it was abandoned (to close it)
     * @throws ExceededException when the limit passes
     */
    public static <T> T call(String what, Callable<T> work, Consumer<T> onLate) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        Object lock = new Object();
        boolean[] abandoned = new boolean[1];
        Thread t = new Thread(() -> {
            try {
                T r = work.call();
                synchronized (lock) {
                    if (abandoned[0]) {
                        if (onLate != null) onLate.accept(r);
                        return;
                    }
                    f.complete(r);
                }
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "lopper-time-limited");
        t.setDaemon(true);
        t.start();
        try {
            return f.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            synchronized (lock) {
                if (f.isDone()) return f.join();
                abandoned[0] = true;
            }
            throw new ExceededException(what + " did not finish within " + describe()
                    + " (the limit is set with --timeout SECONDS)");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception ex) throw ex;
            if (c instanceof Error err) throw err;
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            synchronized (lock) {
                abandoned[0] = true;
            }
            throw new CancelledException();
        }
    }

    private static final ScheduledExecutorService WATCHDOG = watchdog();

    private static ScheduledExecutorService watchdog() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "lopper-time-limit");
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        return e;
    }

    /** Calls {@code stop} when the limit passes before the returned handle is closed. */
    public static Watch watch(Runnable stop) {
        Watch w = new Watch();
        w.future = WATCHDOG.schedule(() -> {
            w.fired = true;
            stop.run();
        }, millis, TimeUnit.MILLISECONDS);
        return w;
    }

    /** A running watch; {@link #close} ends it. */
    public static final class Watch implements AutoCloseable {
        private ScheduledFuture<?> future;
        private volatile boolean fired;

        public boolean fired() { return fired; }

        @Override
        public void close() { future.cancel(false); }
    }
}
