package dev.lopper.task;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Function;

/** Waiting for work done on another thread. */
public final class Futures {
    private Futures() {}

    /**
     * The result of {@code f}: its unchecked exception or error rethrown as it is, a checked cause passed through
     * {@code checked}, and an interrupt of the waiting thread as {@link CancelledException} (the interrupt flag kept).
     */
    public static <T> T await(Future<T> f, Function<Throwable, RuntimeException> checked) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancelledException();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw checked.apply(c);
        }
    }
}
