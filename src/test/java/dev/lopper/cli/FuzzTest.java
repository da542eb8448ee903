package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.ByteString;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.StringStringEntryProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorShapeProto;
import dev.lopper.onnx.proto.Onnx.TypeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/**
 * Issue 14's proof: seeded hostile inputs of every class (corrupted protobufs, bad attributes and dims, hostile
 * plans, bad CSV/npy data, path collisions, FIFOs and symbolic links), run through the CLI in-process. Every case
 * must: exit 0, 1 or 2; on failure print exactly one stderr line; never print an exception class name; leave every
 * input's bytes unchanged; leave no output (and no temporary) behind after a failure; finish within its time limit.
 * Default: {@value #CASES} cases per class; {@code -Dlopper.fuzz.long=true} runs ten times as many.
 */
class FuzzTest {
    static final int CASES = 40;
    static final boolean LONG = Boolean.getBoolean("lopper.fuzz.long");
    static final long SEED = Long.getLong("lopper.fuzz.seed", 14);
    static final int PER_CASE_SECONDS = 60;

    @TempDir
    static Path root;
    static byte[] tinyBytes;
    static String planJson;
    static String csvText;
    static ExecutorService runner;
    static int caseNo;

    @BeforeAll
    static void setUp() throws Exception {
        tinyBytes = Hostile.tinyBuilder().build().toByteArray();
        Path m = Files.write(root.resolve("base.onnx"), tinyBytes);
        Path plan = root.resolve("base.json");
        CliRun r = CliRun.of("prune", m.toString(), "--ratio", "0.5", "--round-to", "1", "--save-plan", plan.toString());
        assertEquals(0, r.code(), r.err());
        planJson = Files.readString(plan);
        csvText = Files.readString(Hostile.csv(root, "base.csv", 6, 3));
        runner = Executors.newCachedThreadPool(t -> {
            Thread th = new Thread(t, "fuzz-case");
            th.setDaemon(true);
            return th;
        });
    }

    static final Map<String, int[]> EXITS = new java.util.TreeMap<>();

    @AfterAll
    static void tearDown() {
        runner.shutdownNow();
        StringBuilder b = new StringBuilder("fuzz exit codes (0/1/2) per class:");
        EXITS.forEach((k, v) -> b.append(' ').append(k).append(' ').append(v[0]).append('/').append(v[1]).append('/').append(v[2]));
        System.out.println(b);
    }

    static int cases() { return LONG ? CASES * 10 : CASES; }

    /** One case: a folder of inputs, the arguments, and the outputs it may create. */
    record Case(String name, Path dir, List<String> args, List<Path> outputs, List<Path> replaceable) {
        Case(String name, Path dir, List<String> args, List<Path> outputs) { this(name, dir, args, outputs, List.of()); }
    }

    interface Generator {
        Case make(Random r, Path dir) throws Exception;
    }

    private Stream<DynamicTest> suite(String kind, Generator g) {
        List<DynamicTest> tests = new ArrayList<>();
        Random seeds = new Random(SEED ^ kind.hashCode());
        for (int i = 0; i < cases(); i++) {
            long seed = seeds.nextLong();
            int n = i;
            tests.add(DynamicTest.dynamicTest(kind + " #" + n + " (seed " + seed + ")", () -> {
                Path dir = Files.createDirectory(root.resolve(kind + "-" + n + "-" + (caseNo++)));
                Case c = g.make(new Random(seed), dir);
                check(c);
            }));
        }
        return tests.stream();
    }

    static void check(Case c) throws Exception {
        List<Path> skip = new ArrayList<>(c.outputs());
        skip.addAll(c.replaceable());
        Map<Path, String> before = hashes(c.dir(), skip);
        for (Path o : c.outputs()) assertFalse(Files.exists(o), "output exists before the run: " + o);
        Future<CliRun> f = runner.submit(() -> CliRun.of(c.args().toArray(String[]::new)));
        CliRun r;
        try {
            r = f.get(PER_CASE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            fail("hang: " + c.args());
            return;
        }
        String what = c.name() + " " + c.args() + " → exit " + r.code() + ": " + r.err();
        assertTrue(r.code() == 0 || r.code() == 1 || r.code() == 2, what);
        synchronized (EXITS) {
            EXITS.computeIfAbsent(c.name(), k -> new int[3])[r.code()]++;
        }
        assertFalse(Hostile.EXCEPTION_NAME.matcher(r.err()).find(), "exception name: " + what);
        assertFalse(Hostile.EXCEPTION_NAME.matcher(r.out()).find() && r.code() != 0, "exception name on stdout: " + what);
        if (r.code() != 0) {
            String err = r.err();
            assertTrue(err.startsWith("lopper: ") && err.endsWith("\n") && err.indexOf('\n') == err.length() - 1,
                    "not exactly one line: " + what);
            for (Path o : c.outputs()) assertFalse(Files.exists(o), "output left after a failure: " + o + " " + what);
        }
        Map<Path, String> after = hashes(c.dir(), skip);
        for (Map.Entry<Path, String> e : before.entrySet()) {
            assertEquals(e.getValue(), after.get(e.getKey()), "input changed: " + e.getKey() + " " + what);
        }
        try (Stream<Path> s = Files.list(c.dir())) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(), "temporary left: " + what);
        }
    }

    static Map<Path, String> hashes(Path dir, List<Path> outputs) throws IOException {
        Map<Path, String> m = new LinkedHashMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                if (outputs.contains(p) || Files.isDirectory(p) || Files.isSymbolicLink(p)) continue;
                m.put(p, Hostile.sha256(p));
            }
        }
        m.put(root.resolve("outside.txt"), Files.exists(root.resolve("outside.txt")) ? Hostile.sha256(root.resolve("outside.txt")) : "missing");
        return m;
    }

    // ------------------------------------------------------------------ command choice

    static final String[] COMMANDS = {"inspect", "groups", "eval", "prune"};

    static Case command(String name, Random r, Path dir, Path model, String... extra) {
        String cmd = COMMANDS[r.nextInt(COMMANDS.length)];
        List<String> args = new ArrayList<>(List.of(cmd, model.toString()));
        List<Path> outputs = new ArrayList<>();
        switch (cmd) {
            case "prune" -> {
                Path out = dir.resolve("out.onnx");
                args.addAll(List.of("--ratio", "0.5", "--round-to", "1", "-o", out.toString()));
                outputs.add(out);
                outputs.add(dir.resolve("out.onnx.data"));
            }
            case "eval" -> args.addAll(List.of("--runs", "2", "--warmup", "1"));
            case "inspect", "groups" -> { if (r.nextBoolean()) args.add("--json"); }
            default -> { }
        }
        args.addAll(List.of(extra));
        return new Case(name, dir, args, outputs);
    }

    // ------------------------------------------------------------------ generators

    @TestFactory
    Stream<DynamicTest> corruptedProtobufs() {
        return suite("bytes", (r, dir) -> {
            byte[] b = tinyBytes.clone();
            switch (r.nextInt(5)) {
                case 0 -> { for (int k = 0, n = 1 + r.nextInt(12); k < n; k++) b[r.nextInt(b.length)] = (byte) r.nextInt(256); }
                case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
                case 2 -> { byte[] g = new byte[1 + r.nextInt(4096)]; r.nextBytes(g); b = g; }
                case 3 -> { // a header of plausible varints followed by random bytes
                    byte[] g = new byte[64 + r.nextInt(512)];
                    r.nextBytes(g);
                    System.arraycopy(b, 0, g, 0, Math.min(32, b.length));
                    b = g;
                }
                default -> { int at = r.nextInt(b.length); b[at] ^= (byte) (1 << r.nextInt(8)); }
            }
            Path m = Files.write(dir.resolve("m.onnx"), b);
            return command("bytes", r, dir, m);
        });
    }

    static final long[] DIMS = {0, -1, 1, 2, 3, 7, 8, 1L << 31, 1L << 32, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE};

    @TestFactory
    Stream<DynamicTest> badAttributesAndDims() {
        return suite("attrs", (r, dir) -> {
            ModelProto p = ModelProto.parseFrom(tinyBytes);
            GraphProto.Builder g = p.getGraph().toBuilder();
            ModelProto.Builder mb = p.toBuilder();
            int mutations = 1 + r.nextInt(3);
            for (int k = 0; k < mutations; k++) {
                switch (r.nextInt(7)) {
                    case 0 -> { // a conv attribute
                        int ni = r.nextBoolean() ? 0 : 2;
                        NodeProto.Builder n = g.getNode(ni).toBuilder();
                        String[] names = {"group", "strides", "pads", "dilations", "kernel_shape"};
                        String a = names[r.nextInt(names.length)];
                        for (int i = 0; i < n.getAttributeCount(); i++) if (n.getAttribute(i).getName().equals(a)) { n.removeAttribute(i); break; }
                        AttributeProto.Builder ab = AttributeProto.newBuilder().setName(a);
                        if (a.equals("group")) ab.setType(AttributeProto.AttributeType.INT).setI(DIMS[r.nextInt(DIMS.length)]);
                        else {
                            ab.setType(AttributeProto.AttributeType.INTS);
                            for (int j = 0, len = r.nextInt(6); j < len; j++) ab.addInts(DIMS[r.nextInt(DIMS.length)]);
                        }
                        g.setNode(ni, n.addAttribute(ab));
                    }
                    case 1 -> { // initializer dims
                        int ii = r.nextInt(g.getInitializerCount());
                        TensorProto.Builder t = g.getInitializer(ii).toBuilder().clearDims();
                        for (int j = 0, len = r.nextInt(5); j < len; j++) t.addDims(DIMS[r.nextInt(DIMS.length)]);
                        g.setInitializer(ii, t);
                    }
                    case 2 -> { // input dims
                        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
                        for (int j = 0, len = r.nextInt(6); j < len; j++) {
                            if (r.nextInt(4) == 0) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("n\n" + j));
                            else s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(DIMS[r.nextInt(DIMS.length)]));
                        }
                        g.setInput(0, g.getInput(0).toBuilder().setType(TypeProto.newBuilder().setTensorType(
                                TypeProto.Tensor.newBuilder().setElemType(r.nextInt(4) == 0 ? r.nextInt(40) : 1).setShape(s))));
                    }
                    case 3 -> mb.setOpsetImport(0, p.getOpsetImport(0).toBuilder().setVersion(new long[] {0, -1, 1, 7, 13, 22, 23, 999, Long.MAX_VALUE}[r.nextInt(9)]));
                    case 4 -> { // names with control characters
                        int ni = r.nextInt(g.getNodeCount());
                        g.setNode(ni, g.getNode(ni).toBuilder().setName("n\n\r\u0007" + r.nextInt(9)));
                    }
                    case 5 -> { // an initializer's data type or data
                        int ii = r.nextInt(g.getInitializerCount());
                        TensorProto.Builder t = g.getInitializer(ii).toBuilder();
                        if (r.nextBoolean()) t.setDataType(new int[] {0, 8, 9, 16, 17, 999, -1}[r.nextInt(7)]);
                        else t.setRawData(ByteString.copyFrom(new byte[r.nextInt(64)]));
                        g.setInitializer(ii, t);
                    }
                    default -> { // an op type or an input renamed
                        int ni = r.nextInt(g.getNodeCount());
                        NodeProto.Builder n = g.getNode(ni).toBuilder();
                        if (r.nextBoolean()) n.setOpType(new String[] {"", "If", "Loop", "Conv", "Unknown\nOp", "Gemm", "Reshape"}[r.nextInt(7)]);
                        else if (n.getInputCount() > 0) n.setInput(r.nextInt(n.getInputCount()), new String[] {"", "missing", "x", "fc"}[r.nextInt(4)]);
                        g.setNode(ni, n);
                    }
                }
            }
            Path m = Files.write(dir.resolve("m.onnx"), mb.setGraph(g).build().toByteArray());
            String[] extra = r.nextInt(5) == 0 ? new String[] {"--input-shape", "x=" + DIMS[r.nextInt(DIMS.length)] + ",3,8,8"} : new String[0];
            return command("attrs", r, dir, m, extra);
        });
    }

    static final String[] JSON_VALUES = {"null", "true", "\"abc\"", "\"1\"", "1.5", "-1", "0", "1", "1e999", "[]", "{}", "[0.5, 1.5]",
            "{\"a\": 1}", "9223372036854775807", "\"\\n\"", "[1, 0]", "[0, 0]", "\"l1\""};

    @TestFactory
    Stream<DynamicTest> hostilePlans() {
        return suite("plans", (r, dir) -> {
            Path m = Files.write(dir.resolve("m.onnx"), tinyBytes);
            String text = planJson;
            switch (r.nextInt(5)) {
                case 0, 1 -> { // replace a value after a random key
                    List<Integer> colons = new ArrayList<>();
                    for (int i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) colons.add(i);
                    int at = colons.get(r.nextInt(colons.size())) + 1;
                    int end = at;
                    int depth = 0;
                    while (end < text.length()) {
                        char ch = text.charAt(end);
                        if (ch == '[' || ch == '{') depth++;
                        if (ch == ']' || ch == '}') { if (depth == 0) break; depth--; }
                        if (ch == ',' && depth == 0) break;
                        end++;
                    }
                    text = text.substring(0, at) + " " + JSON_VALUES[r.nextInt(JSON_VALUES.length)] + text.substring(end);
                }
                case 2 -> text = text.substring(0, r.nextInt(text.length()));
                case 3 -> text = text + new String[] {"x", "{}", "\n[1]", " garbage", "\u0000"}[r.nextInt(5)];
                default -> text = "[".repeat(r.nextInt(5000)) + text;
            }
            Path plan = Files.writeString(dir.resolve("p.json"), text);
            Path out = dir.resolve("out.onnx");
            List<String> args = new ArrayList<>(List.of("prune", m.toString(), "--plan", plan.toString(), "-o", out.toString()));
            Path saved = dir.resolve("saved.json");
            if (r.nextBoolean()) args.addAll(List.of("--save-plan", saved.toString()));
            return new Case("plans", dir, args, List.of(out, dir.resolve("out.onnx.data"), saved));
        });
    }

    static final String[] CELLS = {"NaN", "nan", "1e999", "-1e999", "0x1p-3", "Infinity", "", " ", "\"1\"", "1f", "1d", "--1", "1,5",
            "\u0000", "3.4e38", "1e-400", "+.5", "0.", "abc"};

    @TestFactory
    Stream<DynamicTest> badData() {
        return suite("data", (r, dir) -> {
            Path m = Files.write(dir.resolve("m.onnx"), tinyBytes);
            Path data;
            if (r.nextInt(3) > 0) {
                String[] lines = csvText.split("\n");
                int li = r.nextInt(lines.length);
                String[] cells = lines[li].split(",");
                switch (r.nextInt(3)) {
                    case 0 -> cells[r.nextInt(cells.length)] = CELLS[r.nextInt(CELLS.length)];
                    case 1 -> cells = java.util.Arrays.copyOf(cells, r.nextInt(cells.length + 3));
                    default -> cells[0] = new String[] {"-1", "1.5", "99999999999", "x"}[r.nextInt(4)];
                }
                lines[li] = String.join(",", java.util.Arrays.stream(cells).map(s -> s == null ? "" : s).toArray(String[]::new));
                data = Files.writeString(dir.resolve("d.csv"), String.join("\n", lines));
            } else {
                float[] v = new float[2 * 192];
                for (int i = 0; i < v.length; i++) v[i] = r.nextFloat();
                v[r.nextInt(v.length)] = new float[] {Float.NaN, Float.POSITIVE_INFINITY, 1f}[r.nextInt(3)];
                data = HostileInputTest.npy(dir.resolve("d.npy"), v, 2, 3, 8, 8);
                byte[] b = Files.readAllBytes(data);
                if (r.nextBoolean()) {
                    for (int k = 0, n = 1 + r.nextInt(4); k < n; k++) b[r.nextInt(Math.min(b.length, 128))] = (byte) r.nextInt(256);
                    Files.write(data, b);
                }
            }
            if (r.nextBoolean()) return new Case("data", dir, List.of("eval", m.toString(), "--data", data.toString()), List.of());
            Path out = dir.resolve("out.onnx");
            String crit = new String[] {"mean-activation", "apoz", "wanda", "obspa"}[r.nextInt(4)];
            return new Case("data", dir, List.of("prune", m.toString(), "--ratio", "0.5", "--round-to", "1", "--criterion", crit,
                    "--calibration", data.toString(), "-o", out.toString()), List.of(out, dir.resolve("out.onnx.data")));
        });
    }

    @TestFactory
    Stream<DynamicTest> pathCollisions() {
        return suite("paths", (r, dir) -> {
            Path m = Files.write(dir.resolve("m.onnx"), tinyBytes);
            Path plan = Files.writeString(dir.resolve("p.json"), planJson.replaceAll("\"sha256\" : \"[0-9a-f]+\"",
                    "\"sha256\" : \"" + Hostile.sha256(m) + "\""));
            Path csv = Files.writeString(dir.resolve("d.csv"), csvText);
            Files.createDirectory(dir.resolve("folder"));
            Files.createLink(dir.resolve("hard.onnx"), m);
            Files.createSymbolicLink(dir.resolve("soft.onnx"), m);
            Files.createSymbolicLink(dir.resolve("dangling.json"), dir.resolve("nowhere").resolve("x.json"));
            Path[] targets = {m, plan, csv, dir.resolve("folder"), dir.resolve("hard.onnx"), dir.resolve("soft.onnx"),
                    dir.resolve("missing").resolve("o.onnx"), dir.resolve("o.onnx"), dir.resolve("o.onnx.data"), dir.resolve("x.json"),
                    dir.resolve("folder").resolve("..").resolve("m.onnx"), dir.resolve("dangling.json"), dir.resolve("m.onnx.data")};
            Path out = targets[r.nextInt(targets.length)];
            Path save = r.nextBoolean() ? targets[r.nextInt(targets.length)] : null;
            List<String> args = new ArrayList<>(List.of("prune", m.toString(), "-o", out.toString()));
            if (r.nextBoolean()) args.addAll(List.of("--plan", plan.toString()));
            else {
                args.addAll(List.of("--ratio", "0.5", "--round-to", "1"));
                if (r.nextBoolean()) args.addAll(List.of("--criterion", "mean-activation", "--calibration", csv.toString()));
            }
            if (save != null) args.addAll(List.of("--save-plan", save.toString()));
            // an existing file named as an output that is not an input of this command may be replaced
            List<Path> replaceable = new ArrayList<>();
            for (Path t : new Path[] {out, out.resolveSibling(out.getFileName() + ".data"), save}) {
                if (t == null || !Files.isRegularFile(t, java.nio.file.LinkOption.NOFOLLOW_LINKS) || t.equals(m)
                        || t.equals(dir.resolve("hard.onnx"))) continue;
                if (args.contains(t.toString()) && (t.equals(plan) && args.contains("--plan") || t.equals(csv) && args.contains("--calibration"))) continue;
                replaceable.add(t);
            }
            List<Path> outputs = new ArrayList<>();
            for (Path t : new Path[] {out, out.resolveSibling(out.getFileName() + ".data"), save}) {
                if (t != null && !Files.exists(t) && !Files.isSymbolicLink(t)) outputs.add(t);
            }
            return new Case("paths", dir, args, outputs, replaceable);
        });
    }

    @TestFactory
    Stream<DynamicTest> specialFilesAndLinks() {
        return suite("special", (r, dir) -> {
            Path m = Files.write(dir.resolve("m.onnx"), tinyBytes);
            Path fifo = dir.resolve("fifo");
            assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
            Path outside = root.resolve("outside.txt");
            if (!Files.exists(outside)) Files.writeString(outside, "secret ".repeat(321));
            Path[] inputs = {fifo, Path.of("/dev/zero"), Path.of("/dev/null"), dir, Files.createSymbolicLink(dir.resolve("l.json"), outside),
                    dir.resolve("nope.json")};
            Path in = inputs[r.nextInt(inputs.length)];
            Path out = dir.resolve("out.onnx");
            List<Path> outputs = List.of(out, dir.resolve("out.onnx.data"));
            switch (r.nextInt(5)) {
                case 0 -> { return new Case("special", dir, List.of("prune", m.toString(), "--plan", in.toString(), "-o", out.toString()), outputs); }
                case 1 -> { return new Case("special", dir, List.of("prune", m.toString(), "--ratio", "0.3", "--criterion", "apoz",
                        "--calibration", in.toString(), "-o", out.toString()), outputs); }
                case 2 -> { return new Case("special", dir, List.of("eval", m.toString(), "--data", in.toString()), List.of()); }
                case 3 -> { return new Case("special", dir, List.of(COMMANDS[r.nextInt(3)], in.toString()), List.of()); }
                default -> { // external data through a link out of the folder, or with a hostile offset
                    ModelProto p = ModelProto.parseFrom(tinyBytes);
                    GraphProto.Builder g = p.getGraph().toBuilder();
                    int ii = r.nextInt(g.getInitializerCount());
                    Files.createSymbolicLink(dir.resolve("w.bin"), outside);
                    Files.write(dir.resolve("in.bin"), new byte[4096]);
                    String loc = new String[] {"w.bin", "in.bin", "../outside.txt", outside.toString(), "fifo", "in.bin\n"}[r.nextInt(6)];
                    TensorProto.Builder t = g.getInitializer(ii).toBuilder().clearRawData().clearFloatData()
                            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                            .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(loc));
                    if (r.nextBoolean()) t.addExternalData(StringStringEntryProto.newBuilder().setKey("offset")
                            .setValue(new String[] {"0", "-1", "9223372036854775807", "4095", "x"}[r.nextInt(5)]));
                    if (r.nextBoolean()) t.addExternalData(StringStringEntryProto.newBuilder().setKey("length")
                            .setValue(new String[] {"0", "-2", "9223372036854775807", "64"}[r.nextInt(4)]));
                    g.setInitializer(ii, t);
                    Path em = Files.write(dir.resolve("ext.onnx"), p.toBuilder().setGraph(g).build().toByteArray());
                    Case c = command("special", r, dir, em);
                    return c;
                }
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> nestedSubgraphsAndArguments() {
        return suite("args", (r, dir) -> {
            Path m = Files.write(dir.resolve("m.onnx"), tinyBytes);
            if (r.nextInt(3) == 0) {
                Path deep = Files.write(dir.resolve("deep.onnx"), HostileInputTest.nestedIfs(14 + r.nextInt(16)).toByteArray());
                return command("args", r, dir, deep);
            }
            String[][] junk = {{"--ratio", "abc"}, {"--ratio", "1e999"}, {"--ratio", "NaN"}, {"--ratio", "-0.1"}, {"--round-to", "0"},
                    {"--input-shape", "x=0,3,8,8"}, {"--input-shape", "x"}, {"--input-shape", "=1"}, {"--timeout", "-1"},
                    {"--timeout", "abc"}, {"--protect", "a\nb"}, {"--bogus"}, {"--criterion", "l7"}, {"--damping", "NaN"},
                    {"--min-channels", "-5"}, {"--target-macs", "0"}, {"--seed", "99999999999999999999"}, {}};
            String[] j = junk[r.nextInt(junk.length)];
            Case c = command("args", r, dir, m, j);
            return c;
        });
    }
}
