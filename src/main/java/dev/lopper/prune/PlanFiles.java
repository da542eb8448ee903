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
import dev.lopper.onnx.OutputFiles;

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
    static final long MAX_PLAN_BYTES = 64L << 20;

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
        if (p.roundTo() == PruningSettings.ROUND_TO_AUTO) set.put("roundTo", "auto");
        else set.put("roundTo", p.roundTo());
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

    /** Writes atomically under the output policy ({@link OutputFiles}); {@code inputs} must not be replaced. */
    public static void save(PruningPlan plan, Path file, Path... inputs) throws IOException {
        byte[] bytes = toJson(plan).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        OutputFiles.writeAtomically(file, out -> out.write(bytes), inputs);
    }

    /** Stages the plan as one output of {@code out} (moved into place by its commit). */
    public static void stage(PruningPlan plan, Path file, OutputFiles out) throws IOException {
        byte[] bytes = toJson(plan).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.write(file, "plan", os -> os.write(bytes));
    }

    /** Reads a plan file; checks its format only (see {@link #check}). */
    public static PruningPlan read(Path file) {
        String text;
        String why = dev.lopper.onnx.InputFiles.problem(file);
        if (why != null) throw new PlanException("cannot read plan " + file + ": " + why);
        try {
            if (Files.size(file) > MAX_PLAN_BYTES) throw new PlanException("cannot read plan " + file + ": larger than 64 MB, not a plan");
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new PlanException("cannot read plan " + file + ": no such file");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new PlanException("cannot read plan " + file + ": not UTF-8 text, not a plan");
        } catch (IOException e) {
            throw new PlanException("cannot read plan " + file + ": " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    private static final com.fasterxml.jackson.databind.ObjectReader STRICT = new ObjectMapper(
            com.fasterxml.jackson.core.JsonFactory.builder()
                    .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .reader().with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * Parses a plan strictly: format, version (the integer {@value PruningPlan#SCHEMA_VERSION}), the types and ranges of
     * every setting, group ids, channel counts, kept indices (sorted unique integers in range), no duplicate keys, no
     * text after the JSON. Every problem is one {@link PlanException} line naming the plan.
     */
    public static PruningPlan parse(String text, String name) {
        JsonNode root;
        String where = "plan " + dev.lopper.onnx.Messages.printable(name, 300);
        try {
            root = STRICT.readTree(text);
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage() == null ? "syntax error" : e.getOriginalMessage();
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            throw new PlanException(where + " is not valid JSON (" + dev.lopper.onnx.Messages.printable(why, 160)
                    + (line > 0 ? ", line " + line : "") + ")");
        } catch (IOException e) {
            throw new PlanException(where + " is not valid JSON");
        }
        if (root == null || !root.isObject() || !root.path("format").isTextual() || !FORMAT.equals(root.path("format").asText())) {
            throw new PlanException(where + " is not a Lopper plan (no \"format\": \"" + FORMAT + "\")");
        }
        JsonNode v = root.path("version");
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() != PruningPlan.SCHEMA_VERSION) {
            throw new PlanException(where + " has schema version " + dev.lopper.onnx.Messages.printable(v.isMissingNode() ? "(none)" : v.toString(), 40)
                    + "; this Lopper reads version " + PruningPlan.SCHEMA_VERSION);
        }
        try {
            JsonNode model = root.path("model");
            if (!model.isObject()) throw bad(where, "\"model\" must be an object with \"sha256\"");
            String sha = text(req(model, "sha256", where), where, "model.sha256");
            String file = model.has("file") ? text(model.get("file"), where, "model.file") : "";
            JsonNode s = root.path("settings");
            if (!s.isMissingNode() && !s.isObject()) throw bad(where, "\"settings\" must be an object");
            JsonNode t = s.path("target");
            if (!t.isMissingNode() && !t.isObject()) throw bad(where, "settings.target must be an object");
            String kindId = t.has("kind") ? text(t.get("kind"), where, "settings.target.kind") : "ratio";
            PruneTarget.Kind kind = null;
            for (PruneTarget.Kind k : PruneTarget.Kind.values()) if (k.id().equals(kindId)) kind = k;
            if (kind == null) throw bad(where, "settings.target.kind must be ratio, macs or params");
            double value = t.has("value") ? fraction(t.get("value"), where, "settings.target.value") : 0;
            PruneTarget target = new PruneTarget(kind, value);
            Set<String> prot = new HashSet<>();
            JsonNode pr = s.path("protect");
            if (!pr.isMissingNode()) {
                if (!pr.isArray()) throw bad(where, "settings.protect must be a list of node names");
                for (JsonNode n : pr) prot.add(text(n, where, "settings.protect[]"));
            }
            Map<String, Double> ov = new LinkedHashMap<>();
            JsonNode ovn = s.path("overrides");
            if (!ovn.isMissingNode()) {
                if (!ovn.isObject()) throw bad(where, "settings.overrides must be an object of group ratios");
                for (var it = ovn.fields(); it.hasNext(); ) {
                    var e = it.next();
                    ov.put(e.getKey(), fraction(e.getValue(), where, "settings.overrides." + e.getKey()));
                }
            }
            String alloc = s.has("allocation") ? text(s.get("allocation"), where, "settings.allocation") : "uniform";
            int roundTo = !s.has("roundTo") ? 1 : s.get("roundTo").isTextual() && s.get("roundTo").asText().equals("auto")
                    ? PruningSettings.ROUND_TO_AUTO : count(s.get("roundTo"), where, "settings.roundTo");
            int minChannels = s.has("minChannels") ? count(s.get("minChannels"), where, "settings.minChannels") : 1;
            PruningSettings ps = new PruningSettings(Allocation.parse(alloc), target, roundTo, minChannels, prot, ov);
            String criterion = s.has("criterion") ? text(s.get("criterion"), where, "settings.criterion") : "manual";
            if (!criterion.equals("manual")) dev.lopper.importance.Criterion.parse(criterion);
            String reduction = s.has("reduction") ? text(s.get("reduction"), where, "settings.reduction") : "mean";
            dev.lopper.importance.Reduction.parse(reduction);
            String normalization = s.has("normalization") ? text(s.get("normalization"), where, "settings.normalization") : "none";
            dev.lopper.importance.Normalization.parse(normalization);
            long seed = 0;
            if (s.has("seed")) {
                JsonNode sn = s.get("seed");
                if (!sn.isIntegralNumber() || !sn.canConvertToLong()) throw bad(where, "settings.seed must be an integer");
                seed = sn.asLong();
            }
            double ratioUsed = s.has("ratioUsed") ? fraction(s.get("ratioUsed"), where, "settings.ratioUsed") : target.value();
            PlanSettings settings = new PlanSettings(criterion, reduction, normalization, seed, ps, ratioUsed);
            Map<String, GroupPlan> groups = new LinkedHashMap<>();
            JsonNode arr = root.path("groups");
            if (!arr.isArray()) throw new PlanException(where + " has no \"groups\" list");
            for (JsonNode g : arr) {
                if (!g.isObject()) throw bad(where, "every entry of \"groups\" must be an object");
                String id = text(req(g, "id", where), where, "groups[].id");
                String shown = dev.lopper.onnx.Messages.printable(id, 80);
                int channels = count(req(g, "channels", where), where, "group " + shown + " channels");
                JsonNode k = req(g, "kept", where);
                if (!k.isArray()) throw bad(where, "group " + shown + ": \"kept\" must be a list of channel indices");
                int[] kept = new int[k.size()];
                for (int i = 0; i < kept.length; i++) {
                    JsonNode e = k.get(i);
                    if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                        throw new PlanException(where + ": group " + shown + " has a kept index that is not an integer: "
                                + dev.lopper.onnx.Messages.printable(e.toString(), 40));
                    }
                    kept[i] = e.asInt();
                }
                if (groups.containsKey(id)) throw new PlanException(where + " lists group " + shown + " twice");
                groups.put(id, new GroupPlan(id, channels, kept));
            }
            return new PruningPlan(sha, file, settings, groups);
        } catch (IllegalArgumentException e) {
            throw new PlanException(where + ": " + dev.lopper.onnx.Messages.printable(e.getMessage(), 300));
        }
    }

    private static PlanException bad(String where, String why) {
        return new PlanException(where + ": " + why);
    }

    private static String text(JsonNode n, String where, String field) {
        if (!n.isTextual()) throw bad(where, field + " must be a string");
        return n.asText();
    }

    private static double fraction(JsonNode n, String where, String field) {
        if (!n.isNumber() || !Double.isFinite(n.asDouble()) || n.asDouble() < 0 || n.asDouble() > 1) {
            throw bad(where, field + " must be a number in [0, 1]");
        }
        return n.asDouble();
    }

    private static int count(JsonNode n, String where, String field) {
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1) throw bad(where, field + " must be an integer >= 1");
        return n.asInt();
    }

    private static JsonNode req(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) throw new PlanException(where + " misses \"" + field + "\"");
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
