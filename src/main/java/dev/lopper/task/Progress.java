package dev.lopper.task;

/**
 * Progress reporting and cooperative cancellation for long work, without JavaFX.
 * Work calls {@link #update} and {@link #checkCancelled()}; the app maps this onto a JavaFX Task,
 * the CLI onto a console line, tests onto {@link #NONE}.
 */
public interface Progress {
    /** Reports that {@code done} of {@code total} units are finished, with a short message. */
    void update(String message, double done, double total);

    boolean isCancelled();

    default void checkCancelled() {
        if (isCancelled()) throw new CancelledException();
    }

    /** Progress that reports nothing and is never cancelled. */
    Progress NONE = new Progress() {
        @Override
        public void update(String message, double done, double total) { }

        @Override
        public boolean isCancelled() { return false; }
    };
}
