package dev.lopper.prune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.lopper.analysis.CoupledGroup;

/**
 * Plan files (shared by the CLI and the app), JSON, schema version {@value PruningPlan#SCHEMA_VERSION}:
 * <pre>
 * {"format": "lopper-plan", "version": 1,
 *  "model": {"file": "resnet.onnx", "sha256": "…"},
 *  "settings": {"criterion": "l1", "reduction": "mean", "normalization": "mean", "seed": 0,
 *               "allocation": "uniform", "target": {"kind": "ratio", "value": 0.3}, "ratioUsed": 0.3,
 *               "roundTo": 8, "minChannels": 1, "protect": ["conv1"], "overrides": {"g3": 0.5}},
 *  "groups": [{"id": "g3", "channels": 64, "kept": [0, 2, 5, …]}]}
 * </pre>
 * Groups not listed stay whole. Reading checks the format, the version, and, against a model and its
 * groups, the SHA-256, the group ids, channel counts, kept indices, and that no listed group is locked.
 */
public final class PlanFiles {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    public static final String FORMAT = "lopper-plan";

    private PlanFiles() {}

    public static String toJson(PruningPlan plan) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", PruningPlan.SCHEMA_VERSION);
        ObjectNode model = root.putObject("model");
        model.put("file", plan.modelFile());
        model.put("sha256", plan.modelSha256());
        PlanSettings s = plan.settings();
        ObjectNode set = root.putObject("settings");
        set.put("criterion", s.criterion());
        set.put("reduction", s.reduction());
        set.put("normalization", s.normalization());
        set.put("seed", s.seed());
        PruningSettings p = s.pruning();
        set.put("allocation", p.allocation().id());
        ObjectNode target = set.putObject("target");
        target.put("kind", p.target().kind().id());
        target.put("value", p.target().value());
        set.put("ratioUsed", s.ratioUsed());
        set.put("roundTo", p.roundTo());
        set.put("minChannels", p.minChannels());
        ArrayNode prot = set.putArray("protect");
        p.protectedNodes().stream().sorted().forEach(prot::add);
        ObjectNode ov = set.putObject("overrides");
        new java.util.TreeMap<>(p.overrides()).forEach(ov::put);
        ArrayNode groups = root.putArray("groups");
        for (GroupPlan g : plan.groups().values()) {
            ObjectNode o = groups.addObject();
            o.put("id", g.id());
            o.put("channels", g.channels());
            ArrayNode k = o.putArray("kept");
            for (int i : g.kept()) k.add(i);
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes atomically. */
    public static void save(PruningPlan plan, Path file) throws IOException {
        byte[] bytes = toJson(plan).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /** Reads a plan file; checks its format only (see {@link #check}). */
    public static PruningPlan read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new PlanException("cannot read plan " + file + ": no such file");
        } catch (IOException e) {
            throw new PlanException("cannot read plan " + file + ": " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    public static PruningPlan parse(String text, String name) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new PlanException("plan " + name + " is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
            throw new PlanException("plan " + name + " is not a Lopper plan (no \"format\": \"" + FORMAT + "\")");
        }
        int version = root.path("version").asInt(-1);
        if (version != PruningPlan.SCHEMA_VERSION) {
            throw new PlanException("plan " + name + " has schema version " + root.path("version")
                    + "; this Lopper reads version " + PruningPlan.SCHEMA_VERSION);
        }
        try {
            String sha = req(root.path("model"), "sha256", name).asText();
            String file = root.path("model").path("file").asText("");
            JsonNode s = root.path("settings");
            PruneTarget target = new PruneTarget(PruneTarget.Kind.valueOf(s.path("target").path("kind").asText("ratio").toUpperCase(java.util.Locale.ROOT)),
                    s.path("target").path("value").asDouble(0));
            Set<String> prot = new HashSet<>();
            s.path("protect").forEach(n -> prot.add(n.asText()));
            Map<String, Double> ov = new LinkedHashMap<>();
            s.path("overrides").fields().forEachRemaining(e -> ov.put(e.getKey(), e.getValue().asDouble()));
            PruningSettings ps = new PruningSettings(Allocation.parse(s.path("allocation").asText("uniform")), target,
                    s.path("roundTo").asInt(1), s.path("minChannels").asInt(1), prot, ov);
            PlanSettings settings = new PlanSettings(s.path("criterion").asText("manual"), s.path("reduction").asText("mean"),
                    s.path("normalization").asText("none"), s.path("seed").asLong(0), ps, s.path("ratioUsed").asDouble(target.value()));
            Map<String, GroupPlan> groups = new LinkedHashMap<>();
            JsonNode arr = root.path("groups");
            if (!arr.isArray()) throw new PlanException("plan " + name + " has no \"groups\" list");
            for (JsonNode g : arr) {
                String id = req(g, "id", name).asText();
                int channels = req(g, "channels", name).asInt();
                JsonNode k = req(g, "kept", name);
                int[] kept = new int[k.size()];
                for (int i = 0; i < kept.length; i++) {
                    if (!k.get(i).canConvertToInt()) throw new PlanException("plan " + name + ": group " + id + " has a kept index that is not an integer: " + k.get(i));
                    kept[i] = k.get(i).asInt();
                }
                if (groups.containsKey(id)) throw new PlanException("plan " + name + " lists group " + id + " twice");
                groups.put(id, new GroupPlan(id, channels, kept));
            }
            return new PruningPlan(sha, file, settings, groups);
        } catch (IllegalArgumentException e) {
            throw new PlanException("plan " + name + ": " + e.getMessage());
        }
    }

    private static JsonNode req(JsonNode n, String field, String name) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) throw new PlanException("plan " + name + " misses \"" + field + "\"");
        return v;
    }

    /**
     * Checks that a plan fits a model: same SHA-256, every listed group exists with the same channel count,
     * every kept index is in range, no listed group is locked.
     */
    public static void check(PruningPlan plan, String planName, Path modelFile, String modelSha256, List<CoupledGroup> groups) {
        if (!plan.modelSha256().equalsIgnoreCase(modelSha256)) {
            throw new PlanException("plan " + planName + " was made for a model with sha256 " + plan.modelSha256()
                    + ", not " + modelFile + " (" + modelSha256 + ")");
        }
        Map<String, CoupledGroup> byId = new LinkedHashMap<>();
        for (CoupledGroup g : groups) byId.put(g.id(), g);
        List<String> problems = new ArrayList<>();
        for (GroupPlan gp : plan.groups().values()) {
            CoupledGroup g = byId.get(gp.id());
            if (g == null) {
                problems.add("names group " + gp.id() + ", which " + modelFile + " does not have");
            } else if (g.channels() != gp.channels()) {
                problems.add("says group " + gp.id() + " has " + gp.channels() + " channels; in " + modelFile + " it has " + g.channels());
            } else if (!g.isPrunable() && gp.removedCount() > 0) {
                problems.add("prunes group " + gp.id() + ", which is locked (" + String.join("; ", g.lockReasons()) + ")");
            } else if (gp.removedCount() > 0 && g.multipleOf() > 1 && gp.keptCount() % g.multipleOf() != 0) {
                problems.add("keeps " + gp.keptCount() + " channels of group " + gp.id() + ", which must keep a multiple of " + g.multipleOf());
            }
        }
        if (!problems.isEmpty()) {
            throw new PlanException("plan " + planName + " " + problems.get(0)
                    + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more problems)" : ""));
        }
    }
}
