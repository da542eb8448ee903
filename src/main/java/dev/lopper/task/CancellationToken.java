package dev.lopper.task;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** A cancel flag shared by a caller and its work; listeners run once when it is cancelled. */
public final class CancellationToken {
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    public void cancel() {
        if (cancelled.compareAndSet(false, true)) listeners.forEach(Runnable::run);
    }

    public boolean isCancelled() { return cancelled.get(); }

    /** Registers an action run on cancel (at once if already cancelled). */
    public void onCancel(Runnable r) {
        listeners.add(r);
        if (cancelled.get()) r.run();
    }

    /** A Progress that is cancelled with this token and forwards updates to {@code sink}. */
    public Progress progress(Progress sink) {
        return new Progress() {
            @Override
            public void update(String message, double done, double total) { sink.update(message, done, total); }

            @Override
            public boolean isCancelled() { return cancelled.get() || sink.isCancelled(); }
        };
    }
}
