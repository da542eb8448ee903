package dev.lopper.prune.sensitivity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Stream;

import dev.lopper.runtime.EvalException;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.ModelSha256;
import dev.lopper.prune.PruningSession;
import dev.lopper.task.Progress;

/**
 * The entry point for the CLI and the app: a sensitivity table for a session, from the cache when this model
 * (SHA-256) and these settings were measured before, else measured and cached.
 */
public final class Sensitivity {
    private Sensitivity() {}

    /** A table, and whether it came from the cache (and which file). */
    public record Measured(SensitivityResult result, boolean cached, Path cacheFile) { }

    /**
     * @param cache null to neither read nor write a cache
     * @throws EvalException when the data cannot be read or ONNX Runtime fails
     */
    public static Measured measure(PruningSession s, SensitivitySettings settings, Path data, int parallel,
                                   SensitivityCache cache, Progress progress) {
        if (cache != null) {
            Optional<Measured> hit = cached(s, settings, cache);
            if (hit.isPresent()) return hit.get();
        }
        SensitivityResult r = SensitivityAnalysis.run(s, settings, data, parallel, progress);
        Path f = null;
        if (cache != null) {
            try {
                f = cache.save(r);
            } catch (IOException e) {
                f = null; // a cache that cannot be written is not an error: the result is still returned
            }
        }
        return new Measured(r, false, f);
    }

    /** The cached table of this model and settings, if there is one that matches (nothing is measured). */
    public static Optional<Measured> cached(PruningSession s, SensitivitySettings settings, SensitivityCache cache) {
        Optional<SensitivityResult> hit = cache.load(s.sha256(), settings);
        // a table counted under another cost definition (an older Lopper) is measured again
        if (hit.isPresent() && hit.get().totalMacs() == s.before().macs() && hit.get().totalParams() == s.before().params()) {
            return Optional.of(new Measured(hit.get(), true, cache.file(s.sha256(), settings)));
        }
        return Optional.empty();
    }

    /** The cache key of a data set: "random" for null, a file's SHA-256, or a hash of a folder's listing (names, sizes, times). */
    public static String dataKey(Path data, Progress progress) {
        if (data == null) return "random";
        if (!Files.exists(data)) throw new EvalException("cannot read " + data + ": no such file or folder");
        try {
            if (Files.isRegularFile(data)) return ModelSha256.of(data, progress);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (Stream<Path> walk = Files.walk(data)) {
                for (Path p : walk.sorted().toList()) {
                    if (!Files.isRegularFile(p)) continue;
                    md.update((data.relativize(p) + "|" + Files.size(p) + "|" + Files.getLastModifiedTime(p).toMillis() + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
            return "dir-" + HexFormat.of().formatHex(md.digest());
        } catch (ModelLoadException | IOException e) {
            throw new EvalException("cannot read " + data + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A plan allocated by sensitivity, with the table it came from. */
    public record Allocated(SensitivityAllocator.Result result, Measured table) { }

    /**
     * The narrow entry point of {@code --allocation sensitivity}: measures (or loads) the sensitivity table, then
     * allocates per-group ratios for the MACs or parameters target of {@code settings}.
     */
    public static Allocated allocate(PruningSession s, java.util.Map<String, dev.lopper.importance.ChannelScores> scores,
                                     dev.lopper.importance.ImportanceScorer.ScoringOptions scoring,
                                     dev.lopper.prune.PruningSettings settings, SensitivitySettings sensitivity, Path data,
                                     SensitivityCache cache, Progress progress) {
        Measured m = measure(s, sensitivity, data, Runtime.getRuntime().availableProcessors(), cache, progress);
        return new Allocated(SensitivityAllocator.allocate(s, m.result(), scores, scoring, settings, progress), m);
    }

    /** The damage of a plan's removals, measured on the same samples as the table (no compensation). */
    public static DamageProbe.Damage measure(PruningSession s, SensitivitySettings sensitivity, Path data,
                                             java.util.Map<String, dev.lopper.prune.GroupPlan> plan, Progress progress) {
        java.util.Map<String, int[]> removed = new java.util.LinkedHashMap<>();
        plan.forEach((id, g) -> removed.put(id, g.removed()));
        try (DamageProbe probe = DamageProbe.open(s, sensitivity, data, progress)) {
            return probe.measure(removed);
        }
    }
}
