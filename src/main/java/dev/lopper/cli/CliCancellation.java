package dev.lopper.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.lopper.task.CancellationToken;

/**
 * Ctrl-C for a CLI command: a shutdown hook cancels the token (ONNX Runtime runs stop at the next node)
 * and waits briefly until the command has released its sessions.
 */
final class CliCancellation implements AutoCloseable {
    private final CancellationToken token = new CancellationToken();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    CliCancellation() {
        hook = new Thread(() -> {
            token.cancel();
            try {
                finished.await(3, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "lopper-ctrl-c");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    CancellationToken token() { return token; }

    /** Prints {@code lopper: cancelled} (before the JVM halts) and returns exit code 130, as for SIGINT. */
    int reportCancelled(java.io.PrintWriter err) {
        err.println("lopper: cancelled");
        err.flush();
        return 130;
    }

    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // shutting down already: the hook is running
        }
    }
}
