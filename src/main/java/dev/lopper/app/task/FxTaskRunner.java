package dev.lopper.app.task;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import javafx.animation.PauseTransition;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.concurrent.Task;
import javafx.concurrent.Worker;
import javafx.util.Duration;

import dev.lopper.task.CancelledException;
import dev.lopper.task.Progress;

/**
 * Runs {@link BackgroundWork} in a {@link javafx.concurrent.Task} on a daemon thread with a big stack
 * (layouts of 20k nodes recurse deeply in some core code), mapping {@link Progress} onto the task's
 * progress and message and the task's cancel onto {@link Progress#isCancelled()}. Results and failures
 * come back on the FX thread. One runner shows one activity (busy, message, progress) at a time in the UI.
 */
public final class FxTaskRunner implements TaskRunner {
    private static final long STACK_SIZE = 64L << 20;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyStringWrapper message = new ReadOnlyStringWrapper("");
    private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(0);
    private Task<?> current;
    private int running;

    @Override
    public <T> Handle run(String title, BackgroundWork<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure,
                          Runnable onCancelled) {
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
                    if (ex instanceof CancelledException) onCancelled.run();
                    else onFailure.accept(ex);
                } else {
                    onCancelled.run();
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

    @Override
    public void post(Runnable r) { onFx(r); }

    @Override
    public Delay delay(long millis, Runnable action) {
        PauseTransition pause = new PauseTransition(Duration.millis(millis));
        pause.setOnFinished(e -> action.run());
        return new Delay() {
            @Override public void restart() { pause.playFromStart(); }

            @Override public void stop() { pause.stop(); }
        };
    }

    @Override
    public void cancelCurrent() {
        if (current != null && !current.isDone()) current.cancel(false);
    }

    @Override
    public ReadOnlyBooleanProperty busyProperty() { return busy.getReadOnlyProperty(); }

    @Override
    public ReadOnlyStringProperty messageProperty() { return message.getReadOnlyProperty(); }

    @Override
    public ReadOnlyDoubleProperty progressProperty() { return progress.getReadOnlyProperty(); }

    /** Runs on the FX thread (now if already on it). */
    public static void onFx(Runnable r) {
        if (Platform.isFxApplicationThread()) r.run();
        else Platform.runLater(r);
    }
}
