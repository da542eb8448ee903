package dev.lopper.app.task;

import dev.lopper.task.Progress;

/** Work run off the UI thread: reports through {@link Progress} and may throw. */
@FunctionalInterface
public interface BackgroundWork<T> {
    T run(Progress progress) throws Exception;
}
