package dev.lopper.app.task;

import java.util.function.Consumer;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

import dev.lopper.task.CancelledException;
import dev.lopper.task.Progress;

/**
 * Runs work at once on the calling thread and calls back before {@link #run} returns; delays expire at once.
 * For view-model tests: no toolkit, no threads, no polling. Work can be cancelled from inside (its progress
 * reports cancelled after {@link #cancelCurrent()} was called from a callback it triggered).
 */
public final class DirectTaskRunner implements TaskRunner {
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyStringWrapper message = new ReadOnlyStringWrapper("");
    private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(0);
    private boolean cancelRequested;
    private int started;

    /** Number of works run so far. */
    public int started() { return started; }

    @Override
    public <T> Handle run(String title, BackgroundWork<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure,
                          Runnable onCancelled) {
        started++;
        cancelRequested = false;
        busy.set(true);
        message.set(title);
        T value;
        try {
            value = work.run(new Progress() {
                @Override
                public void update(String msg, double done, double total) {
                    message.set(msg);
                    progress.set(total > 0 ? done / total : -1);
                }

                @Override
                public boolean isCancelled() { return cancelRequested; }
            });
        } catch (CancelledException e) {
            finish();
            onCancelled.run();
            return done();
        } catch (Throwable e) {
            finish();
            onFailure.accept(e);
            return done();
        }
        finish();
        if (cancelRequested) onCancelled.run();
        else onSuccess.accept(value);
        return done();
    }

    private void finish() {
        busy.set(false);
        message.set("");
        progress.set(0);
    }

    private static Handle done() {
        return new Handle() {
            @Override public void cancel() { }

            @Override public boolean isDone() { return true; }
        };
    }

    @Override
    public void post(Runnable r) { r.run(); }

    @Override
    public Delay delay(long millis, Runnable action) {
        return new Delay() {
            @Override public void restart() { action.run(); }

            @Override public void stop() { }
        };
    }

    @Override
    public void cancelCurrent() { cancelRequested = true; }

    @Override
    public ReadOnlyBooleanProperty busyProperty() { return busy.getReadOnlyProperty(); }

    @Override
    public ReadOnlyStringProperty messageProperty() { return message.getReadOnlyProperty(); }

    @Override
    public ReadOnlyDoubleProperty progressProperty() { return progress.getReadOnlyProperty(); }
}
