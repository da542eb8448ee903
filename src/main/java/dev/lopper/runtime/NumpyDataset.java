package dev.lopper.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

import dev.lopper.onnx.proto.Onnx.TensorProto.DataType;

/**
 * NumPy data: an {@code .npy} file of features (dim 0 = samples; optional labels in a second .npy), or an
 * {@code .npz} archive (compressed or not) holding the features and labels as arrays. In an .npz, an input
 * reads the array named like it, else {@code x} (single-input models), else the only non-label array;
 * labels are the array named {@code y}, {@code label(s)} or {@code target(s)}. Each sample's values are
 * taken in row-major order, so {@code (N, 784)} feeds an input of shape {@code [N, 1, 28, 28]}. Streamed.
 */
public final class NumpyDataset implements Dataset {
    static final List<String> LABEL_NAMES = List.of("y", "labels", "label", "targets", "target");

    private final String source;
    private final Map<DataTarget, NpyReader> features;
    private final NpyReader labels;
    private final AutoCloseable resource;
    private final long rows;
    private long next;

    private NumpyDataset(String source, Map<DataTarget, NpyReader> features, NpyReader labels, AutoCloseable resource) {
        this.source = source;
        this.features = features;
        this.labels = labels;
        this.resource = resource;
        long r = -1;
        for (Map.Entry<DataTarget, NpyReader> e : features.entrySet()) {
            NpyReader a = e.getValue();
            DataTarget t = e.getKey();
            if (a.rowSize() != t.sampleSize()) {
                throw new EvalException(a.name() + ": each sample has " + a.rowSize() + " values (shape "
                        + HostTensor.shapeText(a.shape()) + "), " + t.describe() + " expects " + t.sampleSize());
            }
            if (r >= 0 && a.rows() != r) {
                throw new EvalException(a.name() + ": has " + a.rows() + " samples, the other inputs' arrays have " + r);
            }
            r = a.rows();
        }
        if (labels != null) {
            long[] ls = labels.shape();
            if (ls.length == 0 || ls.length > 2 || labels.rowSize() != 1) {
                throw new EvalException(labels.name() + ": labels must have shape (N,) or (N, 1), got ("
                        + HostTensor.shapeText(ls).replace('x', ',') + ")");
            }
            if (labels.rows() != r) {
                throw new EvalException(labels.name() + ": " + labels.rows() + " labels for " + r + " samples");
            }
        }
        this.rows = r;
    }

    /** Features from one .npy (single-input models), labels from an optional second .npy. */
    public static NumpyDataset npy(Path x, Path y, List<DataTarget> targets) {
        if (targets.size() != 1) {
            throw new EvalException(x + ": an .npy file feeds one input, but the model has " + targets.size() + " ("
                    + targets.stream().map(DataTarget::name).toList() + "); use an .npz with one array per input");
        }
        List<AutoCloseable> open = new ArrayList<>();
        try {
            NpyReader xr = new NpyReader(openFile(x), x.toString());
            open.add(xr);
            NpyReader yr = null;
            if (y != null) {
                yr = new NpyReader(openFile(y), y.toString());
                open.add(yr);
            }
            return new NumpyDataset(x.toString(), Map.of(targets.get(0), xr), yr, () -> closeAll(open));
        } catch (RuntimeException e) {
            closeAll(open);
            throw e;
        }
    }

    public static NumpyDataset npz(Path file, List<DataTarget> targets) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new EvalException(file + ": not an .npz (zip) archive");
        } catch (IOException e) {
            throw new EvalException(file + ": cannot read (" + EvalException.firstLine(e.getMessage()) + ")");
        }
        List<AutoCloseable> open = new ArrayList<>();
        open.add(zip);
        try {
            Map<String, ZipEntry> arrays = new LinkedHashMap<>();
            zip.stream().filter(e -> e.getName().endsWith(".npy"))
                    .forEach(e -> arrays.put(e.getName().substring(0, e.getName().length() - 4), e));
            String labelKey = LABEL_NAMES.stream().filter(arrays::containsKey).findFirst().orElse(null);
            Map<DataTarget, NpyReader> feats = new LinkedHashMap<>();
            for (DataTarget t : targets) {
                String key = pickFeatureArray(file, t, targets.size(), arrays, labelKey);
                NpyReader r = new NpyReader(zip.getInputStream(arrays.get(key)), file + ":" + key);
                open.add(r);
                feats.put(t, r);
            }
            NpyReader labels = null;
            if (labelKey != null) {
                labels = new NpyReader(zip.getInputStream(arrays.get(labelKey)), file + ":" + labelKey);
                open.add(labels);
            }
            return new NumpyDataset(file.toString(), feats, labels, () -> closeAll(open));
        } catch (IOException e) {
            closeAll(open);
            throw new EvalException(file + ": cannot read (" + EvalException.firstLine(e.getMessage()) + ")");
        } catch (RuntimeException e) {
            closeAll(open);
            throw e;
        }
    }

    /**
     * Sizes for symbolic dims read off the arrays of an .npy / .npz file: an input with no explicit shape, a symbolic dim
     * after the batch and an array of its rank gets {@code [1, the array's dims after the first]} (fixed dims must agree,
     * else nothing is taken and opening the file reports the mismatch). So data of 32-token sequences feeds
     * {@code input_ids[batch, sequence]} at 32 without {@code --input-shape}. Empty for other files or when the file
     * cannot be read (opening it says why).
     */
    static Map<String, long[]> shapesFrom(Path file, List<TensorSpec> inputs, ShapePolicy policy) {
        String n = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        Map<String, long[]> out = new LinkedHashMap<>();
        List<TensorSpec> open = new ArrayList<>();
        for (TensorSpec s : inputs) {
            if (policy.explicitShapes().containsKey(s.name())) continue;
            for (int i = 1; i < s.rank(); i++) {
                if (s.isSymbolic(i)) {
                    open.add(s);
                    break;
                }
            }
        }
        if (open.isEmpty() || !java.nio.file.Files.isRegularFile(file)) return out;
        try {
            if (n.endsWith(".npy")) {
                if (inputs.size() != 1) return out;
                try (NpyReader r = new NpyReader(openFile(file), file.toString())) {
                    take(open.get(0), r.shape(), out);
                }
            } else if (n.endsWith(".npz")) {
                try (ZipFile zip = new ZipFile(file.toFile())) {
                    Map<String, ZipEntry> arrays = new LinkedHashMap<>();
                    zip.stream().filter(e -> e.getName().endsWith(".npy"))
                            .forEach(e -> arrays.put(e.getName().substring(0, e.getName().length() - 4), e));
                    String labelKey = LABEL_NAMES.stream().filter(arrays::containsKey).findFirst().orElse(null);
                    for (TensorSpec s : open) {
                        String key;
                        try {
                            key = pickFeatureArray(file, new DataTarget(s, new long[0], -1), inputs.size(), arrays, labelKey);
                        } catch (EvalException e) {
                            continue;
                        }
                        try (NpyReader r = new NpyReader(zip.getInputStream(arrays.get(key)), file + ":" + key)) {
                            take(s, r.shape(), out);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return new LinkedHashMap<>(); // opening the data set reports what is wrong with the file
        }
        // inputs that share a symbol (input_ids and attention_mask: [batch, sequence]) must get one size for it
        Map<String, String> seen = new LinkedHashMap<>();
        for (TensorSpec s : open) {
            long[] shape = out.get(s.name());
            if (shape == null) continue;
            for (int i = 1; i < s.rank(); i++) {
                if (!s.isSymbolic(i) || s.dimName(i).isEmpty()) continue;
                String here = shape[i] + " (" + s.name() + ")";
                String before = seen.putIfAbsent(s.dimName(i), here);
                if (before != null && !before.startsWith(shape[i] + " ")) {
                    throw new EvalException(file + ": the arrays disagree on dim '" + s.dimName(i) + "': " + before + " vs " + here);
                }
            }
        }
        return out;
    }

    private static void take(TensorSpec s, long[] array, Map<String, long[]> out) {
        if (array.length != s.rank() || array.length < 2) return;
        long[] shape = new long[s.rank()];
        shape[0] = s.isSymbolic(0) ? 1 : s.dims()[0];
        for (int i = 1; i < s.rank(); i++) {
            if (!s.isSymbolic(i) && s.dims()[i] != array[i]) return;
            if (array[i] < 1) return;
            shape[i] = array[i];
        }
        out.put(s.name(), shape);
    }

    private static String pickFeatureArray(Path file, DataTarget t, int inputs, Map<String, ZipEntry> arrays, String labelKey) {
        if (arrays.containsKey(t.name())) return t.name();
        if (inputs == 1) {
            if (arrays.containsKey("x")) return "x";
            List<String> others = arrays.keySet().stream().filter(k -> !k.equals(labelKey)).toList();
            if (others.size() == 1) return others.get(0);
        }
        throw new EvalException(file + ": no array for input '" + t.name() + "' (arrays: " + String.join(", ", arrays.keySet())
                + "; name the array like the input" + (inputs == 1 ? " or 'x'" : "") + ")");
    }

    private static java.io.InputStream openFile(Path p) {
        String why = dev.lopper.onnx.InputFiles.problem(p);
        if (why != null) throw new EvalException(p + ": " + why);
        try {
            return Files.newInputStream(p);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new EvalException(p + ": no such file");
        } catch (IOException e) {
            throw new EvalException(p + ": cannot read (" + EvalException.firstLine(e.getMessage()) + ")");
        }
    }

    private static void closeAll(List<AutoCloseable> list) {
        for (AutoCloseable c : list) {
            try {
                c.close();
            } catch (Exception ignored) {
                // read-only resources
            }
        }
    }

    @Override
    public String source() { return source; }

    @Override
    public boolean hasLabels() { return labels != null; }

    @Override
    public long sampleCount() { return rows; }

    @Override
    public Batch next(int maxSamples) {
        if (next >= rows) return null;
        int n = (int) Math.min(maxSamples, rows - next);
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        for (Map.Entry<DataTarget, NpyReader> e : features.entrySet()) {
            HostTensor t = e.getKey().allocate(n);
            e.getValue().readInto(t, 0, n * e.getKey().sampleSize());
            inputs.put(e.getKey().name(), t);
        }
        int[] ls = null;
        if (labels != null) {
            HostTensor lt = HostTensor.allocate(DataType.DOUBLE_VALUE, n);
            labels.readInto(lt, 0, n);
            ls = new int[n];
            for (int i = 0; i < n; i++) {
                double v = lt.get(i);
                if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
                    throw new EvalException(labels.name() + " sample " + (next + i) + ": label " + v + " is not a whole class index");
                }
                ls[i] = (int) v;
            }
        }
        List<String> origins = new ArrayList<>(n);
        for (int i = 0; i < n; i++) origins.add(source + " sample " + (next + i));
        next += n;
        return new Batch(inputs, ls, origins);
    }

    @Override
    public void close() {
        try {
            resource.close();
        } catch (Exception ignored) {
            // read-only
        }
    }
}
