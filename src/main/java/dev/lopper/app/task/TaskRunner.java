package dev.lopper.app.task;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import javafx.application.Platform;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.concurrent.Task;
import javafx.concurrent.Worker;

import dev.lopper.task.CancelledException;
import dev.lopper.task.Progress;

/**
 * Runs {@link BackgroundWork} in a {@link javafx.concurrent.Task} on a daemon thread with a big stack
 * (layouts of 20k nodes recurse deeply in some core code), mapping {@link Progress} onto the task's
 * progress and message and the task's cancel onto {@link Progress#isCancelled()}. Results and failures
 * come back on the FX thread. One runner shows one activity (busy, message, progress) at a time in the UI.
 */
public final class TaskRunner {
    private static final long STACK_SIZE = 64L << 20;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyStringWrapper message = new ReadOnlyStringWrapper("");
    private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(0);
    private Task<?> current;
    private int running;

    /** Handle to cancel running work. */
    public interface Handle {
        void cancel();

        boolean isDone();
    }

    public <T> Handle run(String title, BackgroundWork<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
        WorkTask<T> task = new WorkTask<>(title, work);
        running++;
        current = task;
        busy.set(true);
        message.bind(task.messageProperty());
        progress.bind(task.progressProperty());
        task.stateProperty().addListener((obs, old, state) -> {
            if (state == Worker.State.SUCCEEDED || state == Worker.State.FAILED || state == Worker.State.CANCELLED) {
                running--;
                if (current == task) {
                    message.unbind();
                    progress.unbind();
                    message.set(state == Worker.State.SUCCEEDED ? "" : state == Worker.State.CANCELLED ? "Cancelled" : "");
                    progress.set(0);
                }
                busy.set(running > 0);
                if (state == Worker.State.SUCCEEDED) {
                    onSuccess.accept(task.getValue());
                } else if (state == Worker.State.FAILED) {
                    Throwable ex = task.getException();
                    if (!(ex instanceof CancelledException)) onFailure.accept(ex);
                }
            }
        });
        Thread t = new Thread(null, task, "lopper-work-" + THREADS.incrementAndGet(), STACK_SIZE);
        t.setDaemon(true);
        t.start();
        return new Handle() {
            @Override
            public void cancel() { task.cancel(false); }

            @Override
            public boolean isDone() { return task.isDone(); }
        };
    }

    private static final class WorkTask<T> extends Task<T> {
        private final String title;
        private final BackgroundWork<T> work;

        WorkTask(String title, BackgroundWork<T> work) {
            this.title = title;
            this.work = work;
        }

        @Override
        protected T call() throws Exception {
            updateMessage(title);
            Progress p = new Progress() {
                @Override
                public void update(String msg, double done, double total) {
                    updateMessage(msg);
                    updateProgress(done, total);
                }

                @Override
                public boolean isCancelled() { return WorkTask.this.isCancelled(); }
            };
            return work.run(p);
        }
    }

    /** Cancels the most recent work, if running. */
    public void cancelCurrent() {
        if (current != null && !current.isDone()) current.cancel(false);
    }

    public ReadOnlyBooleanProperty busyProperty() { return busy.getReadOnlyProperty(); }

    public ReadOnlyStringProperty messageProperty() { return message.getReadOnlyProperty(); }

    public ReadOnlyDoubleProperty progressProperty() { return progress.getReadOnlyProperty(); }

    /** Runs on the FX thread (now if already on it). */
    public static void onFx(Runnable r) {
        if (Platform.isFxApplicationThread()) r.run();
        else Platform.runLater(r);
    }
}
