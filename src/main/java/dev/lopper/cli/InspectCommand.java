package dev.lopper.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.lopper.graph.Metrics;
import dev.lopper.graph.ModelSummary;
import dev.lopper.graph.Standardizer;
import dev.lopper.onnx.ModelLoadException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lopper inspect MODEL [--json] [--input-shape NAME=D1,D2,...]...}: describes a model. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Describe a model: producer, opsets, inputs/outputs with shapes, op histogram, parameters, MACs.")
public final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model file.")
    Path model;

    @Option(names = "--json", description = "Print JSON (stable keys; see the README).")
    boolean json;

    @Option(names = "--input-shape", paramLabel = "NAME=D1,D2,...",
            description = "Concrete sizes for a model input with symbolic dims (repeatable), e.g. input=1,3,224,224.")
    List<String> inputShapes = new ArrayList<>();

    @Option(names = "--no-standardize",
            description = "Describe the nodes exactly as stored (no Constant/Identity removal, folding or fusion).")
    boolean noStandardize;

    @Option(names = "--per-node", description = "Also list MACs and parameters of every node.")
    boolean perNode;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws ModelLoadException {
        Map<String, long[]> shapes = ModelLoading.inputShapes(spec, inputShapes);
        ModelLoading.Loaded loaded = ModelLoading.load(model, shapes,
                noStandardize ? Standardizer.Mode.AS_STORED : Standardizer.Mode.STANDARDIZED, "--input-shape: ");
        ModelSummary s = ModelSummary.of(loaded.model(), loaded.graph());
        PrintWriter out = spec.commandLine().getOut();
        ModelLoading.printWarnings(spec, loaded.warnings());
        if (json) {
            var node = s.toJson(JsonOutput.mapper());
            var warn = node.putArray("warnings");
            loaded.warnings().forEach(warn::add);
            if (perNode) {
                var arr = node.putArray("perNode");
                for (Metrics.NodeCost c : s.metrics().perNode()) {
                    var x = arr.addObject();
                    x.put("node", c.node());
                    x.put("opType", c.opType());
                    x.put("macs", c.macs());
                    x.put("params", c.params());
                }
            }
            JsonOutput.print(out, node);
        } else {
            printText(s, out);
        }
        out.flush();
        return 0;
    }

    static String num(long v) { return String.format("%,d", v); }

    static void printText(ModelSummary s, PrintWriter out) {
        Metrics.Report r = s.metrics();
        out.printf("Model         %s%n", s.file());
        out.printf("Producer      %s%n", s.producer().isEmpty() ? "(none)" : s.producer());
        StringBuilder os = new StringBuilder();
        s.opsets().forEach((k, v) -> os.append(os.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        out.printf("IR version    %d    opsets: %s%n", s.irVersion(), os);
        for (ModelSummary.TensorInfo t : s.inputs()) out.printf("Input         %s  %s %s%n", t.name(), t.elemType(), t.shape());
        for (ModelSummary.TensorInfo t : s.outputs()) out.printf("Output        %s  %s %s%n", t.name(), t.elemType(), t.shape());
        var st = s.standardization();
        out.printf("Nodes         %s (standardized view: %s; %d Constant nodes, %d Identity/Dropout bypassed, "
                        + "%d folded, %d patterns fused)%n", num(s.nodes()), num(s.standardizedNodes()),
                st.constantNodes(), st.bypassed(), st.folded(), st.fused());
        StringBuilder ops = new StringBuilder();
        s.ops().forEach((k, v) -> ops.append(ops.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        out.printf("Ops           %s%n", ops);
        StringBuilder types = new StringBuilder();
        r.paramsByType().forEach((k, v) -> types.append(types.length() == 0 ? "" : ", ").append(k).append(' ').append(num(v.count())));
        out.printf("Parameters    %s (%s; %s bytes)%n", num(r.params()), types.length() == 0 ? "none" : types, num(r.paramBytes()));
        out.printf("MACs          %s%s%n", num(r.macs()),
                r.unknownDims() ? " (unknown dims counted as 1; give --input-shape for exact figures)" : "");
        if (!r.uncounted().isEmpty()) out.printf("No MAC model  %s%n", String.join(", ", r.uncounted()));
        out.printf("Initializers  %s tensors, %s bytes%n", num(s.initializers()), num(r.initializerBytes()));
        if (s.subgraphs().isEmpty()) out.printf("Subgraphs     none%n");
        else {
            StringBuilder b = new StringBuilder();
            for (ModelSummary.SubgraphInfo x : s.subgraphs()) {
                b.append(b.length() == 0 ? "" : ", ").append(x.opType()).append(" '").append(x.node()).append('\'');
            }
            out.printf("Subgraphs     %d: %s%n", s.subgraphs().size(), b);
        }
    }
}
