package dev.lopper.app.task;

import java.util.function.Consumer;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyStringProperty;

/**
 * How view-models run work off the UI thread, post results back to it and wait a quiet period. The app uses
 * {@link FxTaskRunner} (a JavaFX Task on a worker thread, callbacks on the FX thread); tests of view-models
 * use {@link DirectTaskRunner}, which runs everything at once on the calling thread, so they need no Stage
 * and no polling. One runner shows one activity (busy, message, progress) at a time in the UI.
 */
public interface TaskRunner {
    /** Handle to cancel running work. */
    interface Handle {
        void cancel();

        boolean isDone();
    }

    /** A restartable delay (e.g. re-plan 250 ms after the last slider move). */
    interface Delay {
        /** (Re)starts the delay; the action runs once it expires without another restart. */
        void restart();

        void stop();
    }

    /**
     * Runs {@code work} in the background. Exactly one of the callbacks runs afterwards, on the UI thread:
     * {@code onSuccess}, {@code onFailure}, or {@code onCancelled} when the work was cancelled.
     */
    <T> Handle run(String title, BackgroundWork<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure,
                   Runnable onCancelled);

    /** As {@link #run(String, BackgroundWork, Consumer, Consumer, Runnable)}, doing nothing on cancel. */
    default <T> Handle run(String title, BackgroundWork<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
        return run(title, work, onSuccess, onFailure, () -> { });
    }

    /** Runs {@code r} on the UI thread (from background work: streamed results). */
    void post(Runnable r);

    /** A delay of {@code millis} after which {@code action} runs on the UI thread. */
    Delay delay(long millis, Runnable action);

    /** Cancels the most recent work, if running. */
    void cancelCurrent();

    ReadOnlyBooleanProperty busyProperty();

    ReadOnlyStringProperty messageProperty();

    ReadOnlyDoubleProperty progressProperty();
}
