package dev.lopper.prune.sensitivity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.lopper.onnx.OutputFiles;

/**
 * Sensitivity results cached per model and settings, in a cache folder:
 * {@code $XDG_CACHE_HOME/lopper/sensitivity/<model sha256>-<settings hash>.json} (else
 * {@code ~/.cache/lopper/sensitivity}; the system property {@code lopper.cache.dir} replaces the lopper folder), written
 * atomically. A file that cannot be read or does not match is ignored
 * (and measured again), never trusted.
 */
public final class SensitivityCache {
    private final Path dir;

    public SensitivityCache(Path dir) { this.dir = dir; }

    /** The default cache folder ($XDG_CACHE_HOME/lopper, else ~/.cache/lopper) + "sensitivity". */
    public static SensitivityCache standard() { return new SensitivityCache(lopperCacheDir().resolve("sensitivity")); }

    /** $XDG_CACHE_HOME/lopper, else ~/.cache/lopper. */
    public static Path lopperCacheDir() {
        String override = System.getProperty("lopper.cache.dir");
        if (override != null && !override.isBlank()) return Path.of(override);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("lopper");
    }

    public Path dir() { return dir; }

    public Path file(String sha256, SensitivitySettings settings) {
        return dir.resolve(sha256 + "-" + settings.hash() + ".json");
    }

    public Optional<SensitivityResult> load(String sha256, SensitivitySettings settings) {
        Path f = file(sha256, settings);
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            SensitivityResult r = fromJson(new ObjectMapper().readTree(f.toFile()), settings);
            if (!r.sha256().equals(sha256)) return Optional.empty();
            return Optional.of(r);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Writes atomically (creating the folder); returns the file. */
    public Path save(SensitivityResult r) throws IOException {
        Files.createDirectories(dir);
        Path f = file(r.sha256(), r.settings());
        String text = toJson(r);
        OutputFiles.writeAtomically(f, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return f;
    }

    public static String toJson(SensitivityResult r) {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        root.put("format", "lopper-sensitivity");
        root.put("version", SensitivitySettings.FORMAT_VERSION);
        ObjectNode model = root.putObject("model");
        model.put("file", r.modelFile());
        model.put("sha256", r.sha256());
        model.put("macs", r.totalMacs());
        model.put("params", r.totalParams());
        ObjectNode set = root.putObject("settings");
        ArrayNode ratios = set.putArray("ratios");
        r.settings().ratios().forEach(ratios::add);
        set.put("samples", r.settings().samples());
        set.put("seed", r.settings().seed());
        set.put("criterion", r.settings().criterion());
        set.put("data", r.settings().dataKey());
        set.put("hash", r.settings().hash());
        root.put("metric", r.metric());
        num(root, "baselineAccuracy", r.baselineAccuracy());
        root.put("seconds", r.seconds());
        ArrayNode groups = root.putArray("groups");
        for (SensitivityResult.Group g : r.groups()) {
            ObjectNode n = groups.addObject();
            n.put("id", g.id());
            n.put("channels", g.channels());
            n.put("status", g.status());
            if (!g.reason().isEmpty()) n.put("reason", g.reason());
            ArrayNode pts = n.putArray("points");
            for (SensitivityResult.Point p : g.points()) {
                ObjectNode o = pts.addObject();
                o.put("ratio", p.ratio());
                o.put("removed", p.removed());
                num(o, "accuracy", p.accuracy());
                num(o, "cosine", p.cosine());
                num(o, "relL2", p.relL2());
                num(o, "damage", p.damage());
                o.put("macsSaved", p.macsSaved());
                o.put("paramsSaved", p.paramsSaved());
            }
        }
        try {
            return m.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void num(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) o.put(k, v);
        else o.putNull(k);
    }

    private static double num(JsonNode n, String k) {
        JsonNode v = n.get(k);
        return v == null || v.isNull() ? Double.NaN : v.asDouble();
    }

    static SensitivityResult fromJson(JsonNode root, SensitivitySettings settings) {
        if (!"lopper-sensitivity".equals(root.path("format").asText()) || root.path("version").asInt() != SensitivitySettings.FORMAT_VERSION
                || !settings.hash().equals(root.path("settings").path("hash").asText())) {
            throw new IllegalArgumentException("not a matching sensitivity file");
        }
        List<SensitivityResult.Group> groups = new ArrayList<>();
        for (JsonNode g : root.path("groups")) {
            List<SensitivityResult.Point> pts = new ArrayList<>();
            for (JsonNode p : g.path("points")) {
                pts.add(new SensitivityResult.Point(p.get("ratio").asDouble(), p.get("removed").asInt(), num(p, "accuracy"),
                        num(p, "cosine"), num(p, "relL2"), num(p, "damage"), p.get("macsSaved").asLong(), p.get("paramsSaved").asLong()));
            }
            groups.add(new SensitivityResult.Group(g.get("id").asText(), g.get("channels").asInt(), g.get("status").asText(),
                    g.path("reason").asText(""), pts));
        }
        JsonNode model = root.path("model");
        return new SensitivityResult(model.get("file").asText(), model.get("sha256").asText(), settings, root.get("metric").asText(),
                num(root, "baselineAccuracy"), model.get("macs").asLong(), model.get("params").asLong(), groups, root.path("seconds").asDouble());
    }

}
