package dev.lopper.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.lopper.analysis.AnalysisOptions;
import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.GroupAnalyzer;
import dev.lopper.analysis.Member;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Standardizer;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.task.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lopper groups MODEL}: the coupled channel groups of a model — a table (id, channels, status, reason,
 * members, params and MACs per channel, member nodes) and a summary, or JSON with {@code --json}.
 */
@Command(name = "groups", mixinStandardHelpOptions = true,
        description = "List the coupled channel groups of a model: what can be pruned together, and what is locked and why.")
public final class GroupsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model to analyze.")
    Path model;

    @Option(names = "--json", description = "Print JSON: groups (id, channels, status, reasons, members, paramsPerChannel, macsPerChannel) and summary.")
    boolean json;

    @Option(names = "--input-shape", paramLabel = "NAME=D1,D2,...",
            description = "Concrete size of a model input (repeatable); dynamic dims otherwise count as 1 in MACs.")
    List<String> inputShapes = new ArrayList<>();

    @Option(names = "--unlock-outputs",
            description = "Do not lock the channels of graph outputs (e.g. to shrink an encoder's hidden size).")
    boolean unlockOutputs;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws ModelLoadException {
        Map<String, long[]> shapes = ModelLoading.inputShapes(spec, inputShapes);
        ModelLoading.Loaded loaded = ModelLoading.load(model, shapes, Standardizer.Mode.STANDARDIZED, model + ": ");
        ModelGraph graph = loaded.graph();
        GroupAnalysis a = GroupAnalyzer.analyze(graph, new AnalysisOptions(!unlockOutputs, true), Progress.NONE);
        PrintWriter out = spec.commandLine().getOut();
        ModelLoading.printWarnings(spec, loaded.warnings());
        if (json) {
            Map<String, Object> root = toJson(a);
            root.put("warnings", loaded.warnings());
            JsonOutput.print(out, root);
        } else {
            out.print(a.table(verbose()));
        }
        out.flush();
        return 0;
    }

    private boolean verbose() {
        for (CommandLine c = spec.commandLine(); c != null; c = c.getParent()) {
            CommandLine.ParseResult p = c.getParseResult();
            if (p != null && p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }

    /** The JSON document of an analysis (also used by tests and other front ends). */
    public static Map<String, Object> toJson(GroupAnalysis a) {
        List<Object> groups = new ArrayList<>();
        for (CoupledGroup g : a.groups()) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("id", g.id());
            j.put("channels", g.channels());
            j.put("status", g.status());
            j.put("reasons", g.lockReasons());
            List<Object> members = new ArrayList<>();
            for (Member mb : g.members()) {
                Map<String, Object> mj = new LinkedHashMap<>();
                mj.put("node", mb.node());
                mj.put("tensor", mb.tensor());
                mj.put("axis", mb.axis());
                members.add(mj);
            }
            j.put("members", members);
            List<Object> slices = new ArrayList<>();
            for (ParamSlice s : g.slices()) {
                Map<String, Object> sj = new LinkedHashMap<>();
                sj.put("node", s.node());
                sj.put("tensor", s.tensor());
                sj.put("axis", s.axis());
                sj.put("role", s.role().name());
                sj.put("offset", s.map().offset());
                sj.put("block", s.map().block());
                sj.put("repeats", s.map().repeats());
                sj.put("period", s.map().period());
                slices.add(sj);
            }
            j.put("slices", slices);
            j.put("paramsPerChannel", g.paramsPerChannel());
            j.put("macsPerChannel", g.macsPerChannel());
            j.put("minChannels", g.minChannels());
            j.put("multipleOf", g.multipleOf());
            j.put("mixingNodes", g.mixingNodes());
            groups.add(j);
        }
        GroupAnalysis.Summary s = a.summary();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("groups", s.groups());
        summary.put("prunable", s.prunable());
        summary.put("locked", s.locked());
        summary.put("prunableParamFraction", s.prunableParamFraction());
        summary.put("prunableMacFraction", s.prunableMacFraction());
        summary.put("totalParams", s.totalParams());
        summary.put("totalMacs", s.totalMacs());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("groups", groups);
        root.put("summary", summary);
        root.put("unhandled", a.unhandledNodes());
        return root;
    }
}
