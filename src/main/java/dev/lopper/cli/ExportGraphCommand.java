package dev.lopper.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import org.jgrapht.Graph;
import org.jgrapht.graph.AsSubgraph;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.GroupAnalyzer;
import dev.lopper.analysis.Member;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Standardizer;
import dev.lopper.graph.TensorEdge;
import dev.lopper.graph.layout.GraphExport;
import dev.lopper.onnx.OutputFiles;
import dev.lopper.task.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lopper export-graph MODEL [--group ID] -o FILE.drawio|FILE.graphml}: the graph as an editable diagram. */
@Command(name = "export-graph", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write the standardized graph, or one group's nodes, as an editable diagram: .drawio (diagrams.net,",
                "laid out top to bottom) or .graphml (yEd, Gephi, networkx; op, name and layout x/y as attributes)."})
public final class ExportGraphCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model.")
    Path model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "FILE.drawio or FILE.graphml (never the input).")
    Path output;

    @Option(names = "--group", paramLabel = "ID", description = "Only the nodes of this group (ids as `lopper groups` prints them).")
    String group;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean drawio = name.endsWith(".drawio") || name.endsWith(".drawio.xml");
        if (!drawio && !name.endsWith(".graphml")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-o must end in .drawio or .graphml, got " + output);
        }
        if (dev.lopper.prune.PruningSession.sameFile(model, output)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-o must differ from the input model " + model);
        }
        ModelGraph graph = ModelLoading.load(model, Map.of(), Standardizer.Mode.STANDARDIZED, model + ": ").graph();
        Graph<Node, TensorEdge> view = graph.dag();
        String title = model.getFileName().toString();
        if (group != null) {
            GroupAnalysis a = GroupAnalyzer.analyze(graph, Progress.NONE);
            CoupledGroup g = a.group(group);
            if (g == null) throw new CliException(model + " has no group '" + group + "' (`lopper groups " + model + "` lists them)");
            Set<Node> nodes = new LinkedHashSet<>();
            for (Member m : g.members()) if (graph.node(m.node()) != null) nodes.add(graph.node(m.node()));
            for (ParamSlice s : g.slices()) if (graph.node(s.node()) != null) nodes.add(graph.node(s.node()));
            view = new AsSubgraph<>(graph.dag(), nodes);
            title += " " + group;
        }
        String text = drawio ? GraphExport.drawio(view, graph, title, Progress.NONE) : GraphExport.graphml(view, graph, Progress.NONE);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try {
            OutputFiles.writeAtomically(output, out -> out.write(bytes), model);
        } catch (java.io.IOException e) {
            throw new CliException("cannot write " + output + ": " + e.getMessage(), e);
        }
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s (%d nodes, %d edges)%n", output, view.vertexSet().size(), view.edgeSet().size());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
