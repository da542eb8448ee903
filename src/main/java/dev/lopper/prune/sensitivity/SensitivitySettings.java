package dev.lopper.prune.sensitivity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a sensitivity analysis measures.
 *
 * @param ratios      fractions of each group's channels removed (each in (0, 1)), ascending
 * @param samples     inputs the damage is measured on (the first N of the data, or N seeded random inputs)
 * @param seed        seed of random inputs
 * @param criterion   importance criterion choosing which channels go (a data-free one: l1, l2, fpgm, ...)
 * @param dataKey     identifies the data ("random", or the data file's SHA-256); part of the cache key
 * @param inputShapes sizes of dynamic input dims
 */
public record SensitivitySettings(List<Double> ratios, int samples, long seed, String criterion, String dataKey,
                                  Map<String, long[]> inputShapes) {
    public static final List<Double> DEFAULT_RATIOS = List.of(0.1, 0.3, 0.5, 0.7);
    public static final int DEFAULT_SAMPLES = 32;
    /** Bumped whenever what is measured changes, so old cache files are not reused. */
    static final int FORMAT_VERSION = 2;

    public SensitivitySettings {
        if (ratios == null || ratios.isEmpty()) throw new IllegalArgumentException("give at least one ratio");
        ratios = ratios.stream().sorted().distinct().toList();
        for (double r : ratios) {
            if (!(r > 0 && r < 1)) throw new IllegalArgumentException("ratios must be in (0, 1), got " + r);
        }
        if (samples < 1) throw new IllegalArgumentException("samples must be at least 1, got " + samples);
        if (criterion == null) criterion = "l1";
        if (dataKey == null) dataKey = "random";
        inputShapes = Map.copyOf(inputShapes == null ? Map.of() : inputShapes);
    }

    public static SensitivitySettings defaults() {
        return new SensitivitySettings(DEFAULT_RATIOS, DEFAULT_SAMPLES, 0, "l1", "random", Map.of());
    }

    public SensitivitySettings withRatios(List<Double> r) { return new SensitivitySettings(r, samples, seed, criterion, dataKey, inputShapes); }

    public SensitivitySettings withSamples(int n) { return new SensitivitySettings(ratios, n, seed, criterion, dataKey, inputShapes); }

    public SensitivitySettings withData(String key) { return new SensitivitySettings(ratios, samples, seed, criterion, key, inputShapes); }

    /** Canonical text of everything that changes the result. */
    public String canonical() {
        StringBuilder b = new StringBuilder("v").append(FORMAT_VERSION).append("|ratios=");
        for (double r : ratios) b.append(String.format(Locale.ROOT, "%.6f,", r));
        b.append("|samples=").append(samples).append("|seed=").append(seed).append("|criterion=").append(criterion)
                .append("|data=").append(dataKey).append("|shapes=");
        new TreeMap<>(inputShapes).forEach((k, v) -> b.append(k).append('=').append(java.util.Arrays.toString(v)).append(';'));
        return b.toString();
    }

    /** First 16 hex digits of the SHA-256 of {@link #canonical()}. */
    public String hash() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
