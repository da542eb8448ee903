package dev.lopper.runtime;

/** Samples read in batches, never all at once. Not thread-safe. */
public interface Dataset extends AutoCloseable {
    /** The file or folder, for messages. */
    String source();

    boolean hasLabels();

    /** Total samples when known without reading everything, else -1. */
    long sampleCount();

    /** The next batch of at most {@code maxSamples} samples, or {@code null} when the data is exhausted. */
    Batch next(int maxSamples);

    @Override
    void close();
}
