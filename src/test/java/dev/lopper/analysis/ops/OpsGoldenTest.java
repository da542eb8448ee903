package dev.lopper.analysis.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.GroupAnalyzer;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.analysis.rules.Rules;
import dev.lopper.app.graph.OpCategory;
import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.Metrics;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.importance.Weights;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.prune.obspa.ChannelMoments;
import dev.lopper.prune.obspa.ConsumerLayer;
import dev.lopper.prune.obspa.ConsumerResolver;
import dev.lopper.prune.obspa.CovarianceMoments;
import dev.lopper.prune.obspa.DataFreeMoments;
import dev.lopper.task.Progress;
import dev.lopper.testutil.ModelBuilder;

/**
 * Golden dump of everything Lopper knows per op type, taken before the per-op tables were merged into
 * {@code dev.lopper.analysis.ops} (issue 12), so that the merge is shown to change no behaviour:
 * <ul>
 *   <li>{@code table.txt}: for every op type any former table named (and one unknown op), in the default and the
 *       com.microsoft domain: its coupling rule class, UI category, whether Metrics models its cost, the MACs and
 *       params of a sample node, and the data-free and covariance moments of its output behind a BatchNormalization;</li>
 *   <li>{@code models.txt}: for every manifest model, per op type the nodes, MACs and params, the moment counts and
 *       checksums of both propagators, and the OBSPA consumer layers found.</li>
 * </ul>
 * A missing golden fails; regenerate (then review the diff) with {@code -Dlopper.updateGolden=true}.
 */
class OpsGoldenTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden/ops");
    static final Path MODELS = Path.of("src/test/resources/models");

    /** Every op type the seven former tables named, plus one nobody knows. */
    static final List<String> OP_TYPES = List.of("Abs", "Add", "And", "ArgMax", "ArgMin", "Attention", "AveragePool",
            "BatchNormalization", "BiasGelu", "BitShift", "Cast", "CastLike", "Ceil", "Celu", "Clip", "Compress", "Concat",
            "Constant", "ConstantOfShape", "Conv", "ConvInteger", "ConvTranspose", "Cos", "CumSum", "DeformConv",
            "DepthToSpace", "DequantizeLinear", "Div", "Dropout", "DynamicQuantizeLinear", "Einsum", "Elu", "Equal", "Erf",
            "Exp", "Expand", "EyeLike", "FastGelu", "Flatten", "Floor", "FusedConv", "FusedMatMul", "GRU", "Gather",
            "GatherElements", "GatherND", "Gelu", "Gemm", "GlobalAveragePool", "GlobalLpPool", "GlobalMaxPool", "Greater",
            "GreaterOrEqual", "GroupNormalization", "HardSigmoid", "HardSwish", "Hardmax", "Identity", "If",
            "InstanceNormalization", "IsInf", "IsNaN", "LRN", "LSTM", "LayerNormalization", "LeakyRelu", "Less",
            "LessOrEqual", "Log", "LogSoftmax", "Loop", "LpNormalization", "LpPool", "MatMul", "MatMulInteger", "Max",
            "MaxPool", "MaxRoiPool", "MaxUnpool", "Mean", "MeanVarianceNormalization", "Min", "Mish", "Mod", "Mul",
            "MultiHeadAttention", "Neg", "NonMaxSuppression", "NonZero", "Not", "OneHot", "Or", "PRelu", "Pad", "Pow",
            "QLinearConv", "QLinearMatMul", "QuantizeLinear", "QuickGelu", "RMSNormalization", "RNN", "Range", "Reciprocal",
            "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd",
            "ReduceSum", "ReduceSumSquare", "Relu", "Reshape", "Resize", "ReverseSequence", "RoiAlign", "Round", "Scan",
            "Scatter", "ScatterElements", "ScatterND", "Selu", "Shape", "Shrink", "Sigmoid", "Sign", "Silu",
            "SimplifiedLayerNormalization", "Sin", "Size", "SkipLayerNormalization", "Slice", "Softmax", "Softplus",
            "Softsign", "SpaceToDepth", "Split", "Sqrt", "Squeeze", "Sub", "Sum", "Swish", "Tan", "Tanh",
            "ThresholdedRelu", "Tile", "TopK", "Transpose", "Trilu", "Unsqueeze", "Upsample", "Where", "Xor",
            "NoSuchOp");

    static final List<String> DOMAINS = List.of("", "com.microsoft");

    /** x [2,8,6,6] -> BatchNormalization -> op(bn, w [4,8,3,3], b [4]) -> y declared [2,4,4,4]. */
    static ModelGraph sample(String op, String domain) {
        ModelBuilder b = ModelBuilder.create("sample_" + op, 7).opset(17).input("x", 2, 8, 6, 6);
        b.weight("sc", 8);
        b.weight("sh", 8);
        b.weight("mu", 8);
        b.weightIn("va", 0.5, 1.5, 8);
        b.weight("w", 4, 8, 3, 3);
        b.weight("b", 4);
        b.node("BatchNormalization", "bn", List.of("x", "sc", "sh", "mu", "va"));
        b.node(op, "y", List.of("bn", "w", "b"), "kernel_shape", new long[] {3, 3});
        b.output("y", 2, 4, 4, 4);
        ModelProto p = b.build();
        ModelProto.Builder mb = p.toBuilder();
        mb.getGraphBuilder().getNodeBuilder(1).setDomain(domain);
        mb.getGraphBuilder().addValueInfo(ModelBuilder.create("shape").input("bn", 2, 8, 6, 6).build().getGraph().getInput(0));
        if (!domain.isEmpty()) mb.addOpsetImport(dev.lopper.onnx.proto.Onnx.OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(1));
        return ModelGraph.raw(OnnxModel.of(Path.of("memory", "sample_" + op + ".onnx"), mb.build()));
    }

    static String num(double v) { return String.format(Locale.ROOT, "%.9g", v); }

    static String dataFree(DataFreeMoments m, ModelGraph g, String t) {
        StringBuilder s = new StringBuilder();
        int rank = g.shape(t).hasRank() ? g.shape(t).rank() : 0;
        for (int a = 0; a < rank; a++) {
            Optional<ChannelMoments> c = m.of(t, a);
            if (c.isEmpty()) continue;
            double mu = 0, var = 0;
            for (double v : c.get().mean()) mu += v;
            for (double v : c.get().var()) var += v;
            s.append(String.format(Locale.ROOT, " a%d:n=%d,mu=%s,var=%s,via=%s", a, c.get().size(), num(mu), num(var), c.get().via()));
        }
        return s.isEmpty() ? "-" : s.substring(1);
    }

    static String covariance(CovarianceMoments m, ModelGraph g, String t) {
        StringBuilder s = new StringBuilder();
        int rank = g.shape(t).hasRank() ? g.shape(t).rank() : 0;
        for (int a = 0; a < rank; a++) {
            Optional<CovarianceMoments.Moments> c = m.of(t, a);
            if (c.isEmpty()) continue;
            double mu = 0, cov = 0, sp = 0;
            for (double v : c.get().mean()) mu += v;
            for (double v : c.get().cov()) cov += v;
            if (c.get().spatial() != null) for (double v : c.get().spatial()) sp += v;
            s.append(String.format(Locale.ROOT, " a%d:n=%d,mu=%s,cov=%s,sp=%s,via=%s", a, c.get().size(), num(mu), num(cov),
                    num(sp), c.get().via()));
        }
        return s.isEmpty() ? "-" : s.substring(1);
    }

    static String table() {
        StringBuilder out = new StringBuilder();
        for (String op : OP_TYPES) {
            for (String domain : DOMAINS) {
                ModelGraph g = sample(op, domain);
                Node n = g.nodes().get(1);
                OpRule rule = Rules.forOp(domain, op);
                Metrics.Report r = Metrics.of(g);
                Weights w = Weights.of(g);
                String df, cov;
                try {
                    df = dataFree(DataFreeMoments.of(g, w), g, "y");
                } catch (RuntimeException e) {
                    df = "error " + e.getClass().getSimpleName();
                }
                try {
                    cov = covariance(CovarianceMoments.of(g, w), g, "y");
                } catch (RuntimeException e) {
                    cov = "error " + e.getClass().getSimpleName();
                }
                out.append(String.format(Locale.ROOT, "%s%s rule=%s category=%s costed=%s macs=%d params=%d uncounted=%s%n  dfm %s%n  cov %s%n",
                        domain.isEmpty() ? "" : domain + ":", op, rule == null ? "-" : rule.getClass().getSimpleName(),
                        OpCategory.of(op), Metrics.hasCostModel(n), r.perNode().get(1).macs(), r.perNode().get(1).params(),
                        r.uncounted(), df, cov));
            }
        }
        return out.toString();
    }

    static String models() throws Exception {
        StringBuilder out = new StringBuilder();
        for (JsonNode e : new ObjectMapper().readTree(MODELS.resolve("manifest.json").toFile())) {
            String file = e.get("file").asText();
            ModelGraph g = GraphLoader.load(OnnxModel.read(MODELS.resolve(file)), Map.of());
            out.append("model ").append(file).append('\n');
            Metrics.Report r = Metrics.of(g);
            Map<String, long[]> perOp = new TreeMap<>();
            for (Metrics.NodeCost c : r.perNode()) {
                long[] a = perOp.computeIfAbsent(c.opType(), k -> new long[3]);
                a[0]++;
                a[1] += c.macs();
                a[2] += c.params();
            }
            perOp.forEach((op, a) -> out.append(String.format(Locale.ROOT, "  op %s nodes=%d macs=%d params=%d%n", op, a[0], a[1], a[2])));
            out.append(String.format(Locale.ROOT, "  total macs=%d params=%d uncounted=%s%n", r.macs(), r.params(), r.uncounted()));
            Weights w = Weights.of(g);
            DataFreeMoments df = DataFreeMoments.of(g, w);
            CovarianceMoments cov = CovarianceMoments.of(g, w);
            // per op type: outputs with moments, and the dumps of those moments joined (compared as one checksum line)
            Map<String, StringBuilder> dfByOp = new TreeMap<>(), covByOp = new TreeMap<>();
            for (Node n : g.nodes()) {
                if (n.outputs().isEmpty() || n.output(0).isEmpty()) continue;
                String d = dataFree(df, g, n.output(0));
                if (!d.equals("-")) dfByOp.computeIfAbsent(n.opType(), k -> new StringBuilder()).append(d).append(';');
                String c = covariance(cov, g, n.output(0));
                if (!c.equals("-")) covByOp.computeIfAbsent(n.opType(), k -> new StringBuilder()).append(c).append(';');
            }
            out.append("  dfm size=").append(df.size()).append('\n');
            dfByOp.forEach((op, t) -> out.append(String.format(Locale.ROOT, "    %s outputs=%d sha=%s%n", op,
                    t.chars().filter(ch -> ch == ';').count(), sha(t.toString()))));
            out.append("  cov size=").append(cov.size()).append('\n');
            covByOp.forEach((op, t) -> out.append(String.format(Locale.ROOT, "    %s outputs=%d sha=%s%n", op,
                    t.chars().filter(ch -> ch == ';').count(), sha(t.toString()))));
            GroupAnalysis a = GroupAnalyzer.analyze(g, Progress.NONE);
            ConsumerResolver res = new ConsumerResolver(g);
            for (CoupledGroup grp : a.groups()) {
                for (ParamSlice s : grp.slices()) {
                    if (s == null || s.role() != ParamSlice.Role.CONSUMER_WEIGHT) continue;
                    Optional<ConsumerLayer> l = res.resolve(s);
                    out.append("  consumer ").append(s.node()).append(' ').append(s.tensor()).append(' ')
                            .append(l.map(c -> String.format(Locale.ROOT, "outputs=%d positions=%d taps=%d transposed=%s input=%s bias=%s groups=%d",
                                    c.outputs(), c.positions(), c.taps(), c.transposed(), c.input(), c.bias(), c.groups())).orElse("-"))
                            .append('\n');
                }
            }
        }
        return out.toString();
    }

    static String sha(String s) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(h, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void check(String name, String text) throws Exception {
        Path golden = GOLDEN.resolve(name);
        if (Boolean.getBoolean("lopper.updateGolden")) {
            Files.createDirectories(GOLDEN);
            Path tmp = GOLDEN.resolve(name + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, golden, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        assertTrue(Files.exists(golden), "no golden " + golden + ": generate it with -Dlopper.updateGolden=true and review it");
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), text,
                "per-op golden " + name + " changed; review and regenerate with -Dlopper.updateGolden=true");
    }

    @Test
    void perOpTableMatchesGolden() throws Exception {
        String t = table();
        check("table.txt", t);
        assertTrue(t.contains("\nConv rule=ConvRule category=CONV costed=true macs=9216 params=292 "), "sample Conv: 2x4x4x4 outputs x 8 x 9");
    }

    @Test
    void manifestModelsMatchGolden() throws Exception {
        check("models.txt", models());
    }
}
