package dev.lopper.runtime;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Feeds a data set to a model in batches the model accepts. A model whose inputs have a fixed dim 0 (an export with
 * batch 1, or any fixed N) gets batches of exactly that size: the last, partial batch is <em>padded</em> by repeating
 * its own rows, and consumers of the results cut every tensor back to the real rows ({@link Item#real(HostTensor)})
 * so the padding never enters a statistic; a padded batch whose tensors cannot be cut (some result whose dim 0 is not
 * the batch) is dropped instead and counted ({@link #drop(Item)}). A model with a symbolic batch gets batches of the
 * preferred size, the last one simply smaller. At most {@code limit} samples are read (streamed: memory does not grow
 * with the sample count).
 */
public final class BatchFeed {
    private final Dataset data;
    private final int batch;
    private final boolean fixed;
    private final long limit;
    private long samples, padded, dropped;

    /**
     * What a feed did, for reports.
     *
     * @param samples real samples used (padding and dropped samples excluded)
     * @param batch   samples per run
     * @param fixed   whether {@code batch} is the model's fixed batch dim
     * @param padded  rows of padding added to the last batch (excluded from every statistic)
     * @param dropped samples of a padded batch that could not be cut back, so were left out
     */
    public record Summary(long samples, int batch, boolean fixed, long padded, long dropped) {
        public static final Summary NONE = new Summary(0, 1, false, 0, 0);

        /** e.g. "100 samples in batches of 3 (the model's fixed batch); last batch padded with 2 repeated rows, excluded". */
        public String describe() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%d sample%s in batches of %d", samples,
                    samples == 1 ? "" : "s", batch));
            if (fixed) b.append(" (the model's fixed batch)");
            if (padded > 0) b.append("; last batch padded with ").append(padded).append(" repeated row")
                    .append(padded == 1 ? "" : "s").append(", excluded from the statistics");
            if (dropped > 0) b.append("; ").append(dropped).append(" sample").append(dropped == 1 ? "" : "s")
                    .append(" of a padded batch dropped (a captured tensor's dim 0 is not the batch)");
            return b.toString();
        }
    }

    /**
     * One run's worth of data.
     *
     * @param batch the samples as read (real rows only; labels and origins)
     * @param feed  the model inputs: {@code batch}'s, padded to the fixed batch when it was partial
     * @param real  number of real rows at the start of {@code feed}
     */
    public record Item(Batch batch, Map<String, HostTensor> feed, int real, int rows) {
        public boolean isPadded() { return rows > real; }

        /** {@code t} without padding rows; null when padded and {@code t}'s dim 0 is not the batch (cannot be cut). */
        public HostTensor real(HostTensor t) {
            if (!isPadded()) return t;
            if (t.rank() == 0 || t.dim(0) != rows) return null;
            return t.rows(0, real);
        }
    }

    private BatchFeed(Dataset data, int batch, boolean fixed, long limit) {
        this.data = data;
        this.batch = batch;
        this.fixed = fixed;
        this.limit = limit;
    }

    /**
     * @param inputs    the model's inputs (as the session reports them)
     * @param preferred samples per run when the batch dim is symbolic
     * @param limit     at most this many samples ({@code Long.MAX_VALUE}: all)
     */
    public static BatchFeed of(Dataset data, List<TensorSpec> inputs, String label, int preferred, long limit) {
        if (preferred < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + preferred);
        if (limit < 1) throw new IllegalArgumentException("sample limit must be >= 1, got " + limit);
        int f = fixedBatch(inputs, label);
        return new BatchFeed(data, f > 0 ? f : preferred, f > 0, limit);
    }

    /** The fixed dim 0 shared by the inputs that have one, or 0 when every input's dim 0 is symbolic. */
    public static int fixedBatch(List<TensorSpec> inputs, String label) {
        int f = 0;
        String first = null;
        for (TensorSpec s : inputs) {
            if (s.rank() == 0 || s.isSymbolic(0)) continue;
            int d = (int) s.dims()[0];
            if (f == 0) {
                f = d;
                first = s.name();
            } else if (d != f) {
                throw new EvalException(label + ": inputs '" + first + "' and '" + s.name() + "' have different fixed batch dims ("
                        + f + " and " + d + "); cannot feed data to it");
            }
        }
        if (f > 0) {
            for (TensorSpec s : inputs) {
                if (s.rank() == 0) {
                    throw new EvalException(label + ": input '" + s.name() + "' is a scalar; data sets feed inputs whose dim 0 is the batch");
                }
            }
        }
        return f;
    }

    public int batch() { return batch; }

    public boolean fixed() { return fixed; }

    /** The next batch, or null when the data (or the limit) is exhausted. */
    public Item next() {
        long left = limit - samples - dropped;
        if (left <= 0) return null;
        Batch b = data.next((int) Math.min(batch, left));
        if (b == null || b.size() == 0) return null;
        samples += b.size();
        if (!fixed || b.size() == batch) return new Item(b, b.inputs(), b.size(), b.size());
        Map<String, HostTensor> feed = new LinkedHashMap<>();
        b.inputs().forEach((name, t) -> feed.put(name, pad(t, b.size(), batch)));
        padded += batch - b.size();
        return new Item(b, feed, b.size(), batch);
    }

    /** Leaves a padded item out (its results could not be cut back to the real rows). */
    public void drop(Item item) {
        samples -= item.real();
        dropped += item.real();
        padded -= item.rows() - item.real();
    }

    /** Real samples fed so far (padding and dropped samples excluded). */
    public long samples() { return samples; }

    /** Total samples the progress bar can count towards: the data's count capped at the limit, or -1. */
    public long expected() {
        long n = data.sampleCount();
        return n < 0 ? (limit == Long.MAX_VALUE ? -1 : limit) : Math.min(n, limit);
    }

    public Summary summary() { return new Summary(samples, batch, fixed, padded, dropped); }

    /** {@code t} (dim 0 = {@code real} rows) with rows repeated cyclically up to {@code rows}. */
    static HostTensor pad(HostTensor t, int real, int rows) {
        long[] shape = t.shape();
        shape[0] = rows;
        HostTensor out = HostTensor.allocate(t.elemType(), shape);
        int per = (int) (HostTensor.count(shape) / rows);
        for (int r = 0; r < rows; r++) out.copyFrom(t, (r % real) * per, r * per, per);
        return out;
    }
}
