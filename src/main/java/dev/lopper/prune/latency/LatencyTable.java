package dev.lopper.prune.latency;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.lopper.onnx.OutputFiles;
import dev.lopper.task.Progress;

/**
 * Measured layer latencies per channel count on this machine, cached on disk. The cache file is
 * {@code $XDG_CACHE_HOME/lopper/latency/<key>.json} (else {@code ~/.cache/lopper/latency}; the system property
 * {@code lopper.cache.dir} replaces the lopper folder), where {@code <key>} is the first 16 hex digits of the SHA-256
 * of the machine description {@link #machine(int)}: CPU model (from /proc/cpuinfo), logical cores, OS architecture,
 * ONNX Runtime version and intra-op threads. Inside, each entry is keyed by the layer's op signature
 * ({@link LayerSpec#signature()}) and the count. A file that cannot be read or names another machine is ignored
 * (and measured again), never trusted; writes are atomic. Only counts not yet in the table are timed, all of a
 * layer's missing counts together (interleaved).
 */
public final class LatencyTable {
    private final Path file;
    private final String machine;
    private final LayerTimer timer;
    private final Map<String, Double> ms = new TreeMap<>();
    private int measured;
    private int reused;
    private boolean dirty;

    public LatencyTable(Path file, String machine, LayerTimer timer) {
        this.file = file;
        this.machine = machine;
        this.timer = timer;
        if (file != null) load();
    }

    /** The standard cache for {@code threads} intra-op threads, timed in ONNX Runtime. */
    public static LatencyTable standard(int threads) {
        String m = machine(threads);
        return new LatencyTable(dev.lopper.prune.sensitivity.SensitivityCache.lopperCacheDir().resolve("latency").resolve(key(m) + ".json"),
                m, new OrtLayerTimer(threads));
    }

    /** CPU model, logical cores, architecture, ONNX Runtime version, threads: what the cache is keyed by. */
    public static String machine(int threads) {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the architecture and core count still separate machines
        }
        String ort;
        try {
            ort = dev.lopper.runtime.OrtEnv.get().getVersion();
        } catch (Throwable t) {
            ort = "unknown";
        }
        return cpu + "; " + Runtime.getRuntime().availableProcessors() + " logical cores; " + System.getProperty("os.arch")
                + "; ONNX Runtime " + ort + "; " + threads + " intra-op thread" + (threads == 1 ? "" : "s");
    }

    static String key(String machine) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(machine.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path file() { return file; }

    public String machineDescription() { return machine; }

    /** Counts timed by this table object (not taken from the cache). */
    public int measured() { return measured; }

    /** Counts taken from the table (cache file or earlier in this run). */
    public int reused() { return reused; }

    /** Entries in the table. */
    public int size() { return ms.size(); }

    /** The latency (ms) of {@code spec} at each count, timing the missing ones now. */
    public synchronized double[] latencies(Timed spec, int[] counts, Progress progress) {
        String sig = spec.signature();
        List<Integer> missing = new ArrayList<>();
        for (int c : counts) if (!ms.containsKey(sig + " @" + c) && !missing.contains(c)) missing.add(c);
        reused += counts.length - missing.size();
        if (!missing.isEmpty()) {
            int[] m = missing.stream().mapToInt(Integer::intValue).toArray();
            progress.update("latency table: timing " + sig + " at " + m.length + " channel count" + (m.length == 1 ? "" : "s"), 0, 1);
            double[] t = timer.time(spec, m, progress);
            for (int i = 0; i < m.length; i++) ms.put(sig + " @" + m[i], t[i]);
            measured += m.length;
            dirty = true;
        }
        double[] out = new double[counts.length];
        for (int i = 0; i < counts.length; i++) out[i] = ms.get(sig + " @" + counts[i]);
        return out;
    }

    /** Writes the table atomically when it gained entries; a cache that cannot be written is skipped silently. */
    public synchronized void save() {
        if (file == null || !dirty) return;
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("version", 1);
        root.put("machine", machine);
        ObjectNode e = root.putObject("ms");
        ms.forEach(e::put);
        try {
            Files.createDirectories(file.getParent());
            byte[] bytes = om.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
            OutputFiles.writeAtomically(file, out -> out.write(bytes));
            dirty = false;
        } catch (IOException | RuntimeException ex) {
            // a read-only cache folder only costs the next run the measurements
        }
    }

    private void load() {
        if (!Files.isRegularFile(file)) return;
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            if (root == null || root.path("version").asInt() != 1 || !machine.equals(root.path("machine").asText())) return;
            Map<String, Double> read = new TreeMap<>();
            var it = root.path("ms").fields();
            while (it.hasNext()) {
                var f = it.next();
                if (!f.getValue().isNumber() || !(f.getValue().asDouble() > 0) || !Double.isFinite(f.getValue().asDouble())) return;
                read.put(f.getKey(), f.getValue().asDouble());
            }
            ms.putAll(read);
        } catch (IOException | RuntimeException e) {
            // unreadable: measured again
        }
    }
}
