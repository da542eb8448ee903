package dev.lopper.analysis.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.lopper.analysis.rules.ConvRule;
import dev.lopper.analysis.rules.Rules;
import dev.lopper.graph.Metrics;
import dev.lopper.graph.OpCostTable;

/** The per-op tables are gone: Ops is the one table, and what each op has is said once. */
class OpDefinitionsTest {
    static final Path SRC = Path.of("src/main/java/dev/lopper");

    /** The files that each held a table of op types before issue 12. */
    static final List<String> FORMER_TABLES = List.of("analysis/rules/Rules.java", "graph/Metrics.java",
            "app/graph/OpCategory.java", "prune/obspa/DataFreeMoments.java", "prune/obspa/CovarianceMoments.java",
            "prune/obspa/ConsumerResolver.java");

    /**
     * The literals allowed to stay: parameter counting (Metrics.storedSource) asks whether a folded constant is a stored
     * initializer only converted or copied (Cast, Identity, a dims-keeping Expand): a property of the value path of
     * one folded constant, not a per-op table.
     */
    static final Set<String> ALLOWED = Set.of("graph/Metrics.java:Cast", "graph/Metrics.java:Identity", "graph/Metrics.java:Expand");

    static final Pattern LITERAL = Pattern.compile("\"([A-Za-z][A-Za-z0-9]*)\"");

    static Set<String> knownOps() {
        Set<String> ops = new TreeSet<>(OpsGoldenTest.OP_TYPES);
        for (OpDefinition d : Ops.all()) ops.addAll(d.opTypes());
        ops.remove("NoSuchOp");
        return ops;
    }

    static List<String> opLiterals(String file, String text, Set<String> ops) {
        String body = text.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
        List<String> found = new ArrayList<>();
        Matcher m = LITERAL.matcher(body);
        while (m.find()) if (ops.contains(m.group(1)) && !ALLOWED.contains(file + ":" + m.group(1))) found.add(file + ": \"" + m.group(1) + "\"");
        return found;
    }

    @Test
    void noOpTypeLiteralsRemainInTheFormerTables() throws IOException {
        Set<String> ops = knownOps();
        assertEquals(155, ops.size());
        List<String> found = new ArrayList<>();
        for (String f : FORMER_TABLES) found.addAll(opLiterals(f, Files.readString(SRC.resolve(f)), ops));
        assertEquals(List.of(), found);
        // the scan does see a table line
        assertEquals(List.of("x.java: \"Conv\"", "x.java: \"Relu\""),
                opLiterals("x.java", "put(new ConvRule(), \"Conv\"); // \"Gemm\"\n KINDS.put(\"Relu\", 1); x.equals(\"NOTSET\");", ops));
    }

    @Test
    void eachOpIsDefinedOncePerDomain() {
        Set<String> seen = new HashSet<>();
        int types = 0;
        for (OpDefinition d : Ops.all()) {
            for (String op : d.opTypes()) {
                assertTrue(seen.add(d.domain() + ":" + op), "defined twice: " + d.domain() + ":" + op);
                types++;
            }
        }
        // 149 default-domain op types and 7 ONNX Runtime contrib ops (Gelu in both)
        assertEquals(156, types);
        assertEquals(7, Ops.all().stream().filter(d -> d.domain().equals(OpDefinition.MS)).mapToInt(d -> d.opTypes().size()).sum());
        assertEquals(117, Rules.supportedOps().size()); // as many as rule= lines in golden/ops/table.txt
    }

    @Test
    void theTablesReadTheirEntryFromOps() {
        assertSame(Ops.rule("", "Conv"), Rules.forOp("", "Conv"));
        assertTrue(Rules.forOp("ai.onnx", "Conv") instanceof ConvRule);
        assertNull(Rules.forOp(OpDefinition.MS, "Gelu"), "contrib ops have no rule");
        assertNotNull(Ops.definition(OpDefinition.MS, "Gelu").cost());
        assertEquals(OpCategory.ACTIVATION, Ops.category("FastGelu"), "category by op type, any domain");
        assertEquals(OpCategory.OTHER, Ops.category("NoSuchOp"));
        assertEquals(dev.lopper.app.graph.OpCategory.POOL, dev.lopper.app.graph.OpCategory.of("Resize"));
        for (OpCategory c : OpCategory.values()) assertEquals(c.name(), dev.lopper.app.graph.OpCategory.of(c).name());
        List<OpCostTable> services = new ArrayList<>();
        ServiceLoader.load(OpCostTable.class).forEach(services::add);
        assertEquals(1, services.size());
        assertTrue(services.get(0) instanceof Ops);
        assertSame(Metrics.ELEMENTS_OUT, services.get(0).cost("", "Relu"));
        assertTrue(services.get(0).free("", "Reshape"));
        assertTrue(!services.get(0).free("", "Dropout") && services.get(0).cost("", "Dropout") != null);
    }

    @Test
    void momentViews() {
        for (OpDefinition d : Ops.all()) {
            if (d.moments() == null) continue;
            assertEquals(d.moments().kind() == MomentView.Kind.UNARY, d.moments().fn() != null, d.opTypes().toString());
        }
        assertSame(MomentView.SIGMOID, Ops.moments("Sigmoid"));
        assertSame(MomentView.SILU, Ops.moments("Swish"));
        assertSame(MomentView.GELU, Ops.moments("Gelu"));
        assertTrue(Ops.moments("Conv").isLinearLayer() && Ops.moments("MatMul").isLinearLayer());
        assertTrue(!Ops.moments("Add").isLinearLayer());
        assertNull(Ops.moments("Softmax"));
        assertEquals(0.5, MomentView.SIGMOID.fn().applyAsDouble(0), 0);
        assertEquals(0.7310585786, MomentView.SILU.fn().applyAsDouble(1), 1e-9);
        assertEquals(0.8413447, MomentView.GELU.fn().applyAsDouble(1), 2e-7);
        assertEquals(0.8650983882, MomentView.MISH.fn().applyAsDouble(1), 1e-9);
        assertEquals(0.5204998778, Activations.erf(0.5), 1.2e-7);
        assertEquals(-0.5204998778, Activations.erf(-0.5), 1.2e-7);
    }
}
