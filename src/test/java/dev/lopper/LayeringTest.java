package dev.lopper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The packages are layers: every main source file may refer (by import or by a qualified name) only to its own
 * layer and the layers below it. Core code never imports JavaFX, the ONNX Runtime layer (runtime) never reaches analysis, importance or prune,
 * prune never reaches the evaluation layer (eval) above it,
 * the CLI never reaches the app, and every package says what it is for in a package-info.java.
 */
class LayeringTest {
    static final Path SRC = Path.of("src/main/java/dev/lopper");

    /** Layer (top-level package under dev.lopper) → the layers it may use. */
    static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("task", Set.of()),
            Map.entry("onnx", Set.of("task")),
            Map.entry("graph", Set.of("onnx", "task")),
            Map.entry("analysis", Set.of("graph", "onnx", "task")),
            Map.entry("importance", Set.of("analysis", "graph", "onnx", "task")),
            Map.entry("runtime", Set.of("graph", "onnx", "task")),
            Map.entry("prune", Set.of("analysis", "importance", "runtime", "graph", "onnx", "task")),
            Map.entry("eval", Set.of("runtime", "graph", "onnx", "task")),
            Map.entry("about", Set.of("runtime", "onnx", "task")),
            Map.entry("bench", Set.of("prune", "analysis", "importance", "eval", "runtime", "graph", "onnx", "task")),
            Map.entry("cli", Set.of("about", "bench", "prune", "analysis", "importance", "eval", "runtime", "graph", "onnx", "task")),
            Map.entry("app", Set.of("about", "prune", "analysis", "importance", "eval", "runtime", "graph", "onnx", "task")));

    static final Pattern REF = Pattern.compile("\\bdev\\.lopper\\.([a-z]\\w*)(?:\\.[a-z]\\w*)*\\.[A-Z]");
    static final Pattern JAVAFX = Pattern.compile("\\bjavafx\\.");
    static final Pattern PACKAGE = Pattern.compile("(?m)^package\\s+dev\\.lopper(?:\\.([a-z]\\w*))?[\\w.]*;");

    record Source(Path file, String layer, String body) { }

    static List<Source> sources() throws IOException {
        List<Source> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(SRC)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(f);
                Matcher m = PACKAGE.matcher(text);
                assertTrue(m.find(), f + ": no package line");
                String body = text.substring(m.end()).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
                out.add(new Source(f, m.group(1), body));
            }
        }
        return out;
    }

    @Test
    void everyLayerUsesOnlyTheLayersBelowIt() throws IOException {
        List<String> violations = new ArrayList<>();
        List<Source> all = sources();
        assertTrue(all.size() > 200, "found only " + all.size() + " sources");
        for (Source s : all) {
            if (s.layer() == null) continue;   // dev.lopper.Main wires the front ends
            Set<String> allowed = ALLOWED.get(s.layer());
            assertTrue(allowed != null, s.file() + ": package dev.lopper." + s.layer() + " has no layer; add it to ALLOWED");
            Matcher m = REF.matcher(s.body());
            Set<String> used = new TreeSet<>();
            while (m.find()) used.add(m.group(1));
            for (String u : used) {
                if (!u.equals(s.layer()) && !allowed.contains(u)) violations.add(s.file() + " (" + s.layer() + ") uses " + u);
            }
            if (!s.layer().equals("app") && JAVAFX.matcher(s.body()).find()) violations.add(s.file() + " imports JavaFX");
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void theCheckSeesAnUpwardReference() {
        Matcher m = REF.matcher("import dev.lopper.app.GuiCommand;\n x = new dev.lopper.prune.obspa.Obspa();");
        List<String> found = new ArrayList<>();
        while (m.find()) found.add(m.group(1));
        assertEquals(List.of("app", "prune"), found);
    }

    @Test
    void everyPackageSaysWhatItIsFor() throws IOException {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> s = Files.walk(SRC)) {
            for (Path d : s.filter(Files::isDirectory).toList()) {
                boolean hasJava;
                try (Stream<Path> l = Files.list(d)) {
                    hasJava = l.anyMatch(p -> p.toString().endsWith(".java"));
                }
                if (hasJava && !Files.exists(d.resolve("package-info.java"))) missing.add(SRC.relativize(d).toString());
            }
        }
        assertEquals(List.of(), missing);
    }
}
