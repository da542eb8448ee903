package dev.lopper.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CSV file, one sample per row: the label (first or last column, or none) and the features in the
 * model input's row-major order. A first row whose label cell or most of whose cells are not numbers is a
 * header and is skipped.
 * Cells are separated by commas; surrounding spaces and double quotes are ignored; empty lines are skipped.
 * Streams the file: only one batch is in memory.
 */
public final class CsvDataset implements Dataset {
    private final Path file;
    private DataTarget target;
    /** The first data row, read ahead to fit a free sequence axis to the file's row length. */
    private String pending;
    private final LabelColumn labelColumn;
    private final BufferedReader reader;
    private long lineNo;
    private boolean firstDataLine = true;
    private boolean done;

    public CsvDataset(Path file, List<DataTarget> targets, LabelColumn labelColumn) {
        if (targets.size() != 1) {
            throw new EvalException(file + ": a CSV file feeds one input, but the model has " + targets.size() + " ("
                    + targets.stream().map(DataTarget::name).toList() + "); use an .npz with one array per input");
        }
        this.file = file;
        this.target = targets.get(0);
        this.labelColumn = labelColumn;
        try {
            this.reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new EvalException(file + ": no such file");
        } catch (IOException e) {
            throw new EvalException(file + ": cannot read (" + EvalException.firstLine(e.getMessage()) + ")");
        }
    }

    @Override
    public String source() { return file.toString(); }

    @Override
    public boolean hasLabels() { return labelColumn != LabelColumn.NONE; }

    @Override
    public long sampleCount() { return -1; }

    @Override
    public Batch next(int maxSamples) {
        if (done) return null;
        if (firstDataLine) fitToFirstRow();
        int features = target.sampleSize();
        HostTensor x = target.allocate(maxSamples);
        int[] labels = hasLabels() ? new int[maxSamples] : null;
        List<String> origins = new ArrayList<>();
        int n = 0;
        try {
            String line;
            while (n < maxSamples && (line = nextLine()) != null) {
                if (line.isBlank()) continue;
                String[] cells = line.split(",", -1);
                String where = file + " row " + lineNo;
                int expected = features + (hasLabels() ? 1 : 0);
                if (cells.length != expected) {
                    int got = cells.length - (hasLabels() ? 1 : 0);
                    throw new EvalException(where + ": " + got + " features, " + target.describe() + " expects " + features
                            + (hasLabels() ? " (plus a label in the " + labelColumn.name().toLowerCase() + " column)" : ""));
                }
                int first = labelColumn == LabelColumn.FIRST ? 1 : 0;
                if (hasLabels()) {
                    int labelAt = labelColumn == LabelColumn.FIRST ? 0 : cells.length - 1;
                    labels[n] = parseLabel(cells[labelAt], where + " column " + (labelAt + 1));
                }
                int base = n * features;
                for (int j = 0; j < features; j++) {
                    x.set(base + j, parse(cells[first + j], where + " column " + (first + j + 1)));
                }
                origins.add(where);
                n++;
            }
        } catch (IOException e) {
            throw new EvalException(file + ": cannot read (" + EvalException.firstLine(e.getMessage()) + ")");
        }
        if (n < maxSamples) done = true;
        if (n == 0) return null;
        HostTensor xs = n == maxSamples ? x : x.rows(0, n);
        int[] ls = labels == null ? null : n == maxSamples ? labels : java.util.Arrays.copyOf(labels, n);
        return new Batch(java.util.Map.of(target.name(), xs), ls, origins);
    }

    private String nextLine() throws IOException {
        if (pending != null) {
            String p = pending;
            pending = null;
            return p; // lineNo already counts it
        }
        String line = reader.readLine();
        if (line != null) lineNo++;
        return line;
    }

    /**
     * Skips a header and reads the first data row ahead. When the input has one free sequence axis (no
     * {@code --input-shape} for it) and the row holds a whole multiple of the other axes' sizes, that axis takes
     * the row's length, so a file of 17-token rows feeds [batch, 17] instead of failing against the default 16.
     */
    private void fitToFirstRow() {
        firstDataLine = false;
        try {
            String line;
            boolean first = true;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                String[] cells = line.split(",", -1);
                if (first && isHeader(cells)) { // only the first non-blank row may be a header
                    first = false;
                    continue;
                }
                pending = line;
                int got = cells.length - (hasLabels() ? 1 : 0);
                int axis = target.freeAxis();
                if (axis >= 0 && got != target.sampleSize() && got > 0) {
                    long others = target.sampleSize() / Math.max(1, target.sampleShape()[axis]);
                    if (others > 0 && got % others == 0) target = target.withSampleAxis(axis, got / others);
                }
                return;
            }
        } catch (IOException e) {
            throw new EvalException(file + ": cannot read (" + EvalException.firstLine(e.getMessage()) + ")");
        }
    }

    /**
     * The first row is a header when its label cell is not a number (e.g. {@code label,0,1,2,...} as pandas
     * writes it) or when most of its cells are not numbers; a data row with one bad cell is not a header.
     */
    private boolean isHeader(String[] cells) {
        int bad = 0;
        for (String c : cells) if (!isNumber(c)) bad++;
        if (bad * 2 > cells.length) return true;
        if (!hasLabels() || cells.length == 0) return false;
        return !isNumber(cells[labelColumn == LabelColumn.FIRST ? 0 : cells.length - 1]);
    }

    private static boolean isNumber(String cell) {
        return DECIMAL.matcher(clean(cell)).matches();
    }

    /** A plain decimal number (no hex floats, NaN, Infinity or Java suffixes like 1f / 2d). */
    private static final java.util.regex.Pattern DECIMAL =
            java.util.regex.Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private static String clean(String cell) {
        String c = cell.strip();
        if (c.length() >= 2 && c.startsWith("\"") && c.endsWith("\"")) c = c.substring(1, c.length() - 1).strip();
        return c;
    }

    static double parse(String cell, String where) {
        String c = clean(cell);
        if (!DECIMAL.matcher(c).matches()) {
            throw new EvalException(where + ": '" + dev.lopper.onnx.Messages.printable(c, 40) + "' is not a number");
        }
        double v = Double.parseDouble(c);
        if (!Double.isFinite(v)) throw new EvalException(where + ": '" + dev.lopper.onnx.Messages.printable(c, 40) + "' is out of range");
        return v;
    }

    static int parseLabel(String cell, String where) {
        double v = parse(cell, where);
        if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
            throw new EvalException(where + ": label '" + clean(cell) + "' is not a whole class index");
        }
        return (int) v;
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException ignored) {
            // read-only
        }
    }
}
