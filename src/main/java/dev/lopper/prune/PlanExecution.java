package dev.lopper.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.task.Progress;

/**
 * Apply → verify, and when verification fails, find the responsible groups: every group of the plan is applied
 * alone and verified; if none fails alone, groups are added one at a time and the first whose addition breaks
 * the model is named. With {@code lockFailing} those groups are taken out of the plan (left whole, i.e. locked)
 * and the rest is re-applied, until the model verifies or nothing is left to prune.
 */
public final class PlanExecution {
    private PlanExecution() {}

    /** Rewrites the model for a set of kept channels (PlanApplier). */
    @FunctionalInterface
    public interface Rewriter {
        ModelProto apply(Map<String, GroupPlan> plan) throws Exception;
    }

    /**
     * @param plan         the plan finally applied (without locked groups)
     * @param model        the verified model, or null when verification failed
     * @param verification the last verification
     * @param failing      group id → why it fails (groups found responsible)
     */
    public record Outcome(PruningPlan plan, ModelProto model, Verification verification, Map<String, String> failing) {
        public boolean verified() { return model != null && verification.ok(); }
    }

    public static Outcome run(PruningPlan plan, Rewriter rewriter, ModelCheck check, boolean lockFailing, Progress progress) {
        Map<String, String> allFailing = new LinkedHashMap<>();
        PruningPlan current = plan;
        while (true) {
            progress.checkCancelled();
            progress.update("applying the plan", 0, 1);
            Attempt a = applyAndCheck(rewriter, check, current.groups(), progress);
            Verification v = a.verification();
            if (v.ok()) {
                return new Outcome(current, a.model(), v, allFailing);
            }
            Map<String, String> failing = responsible(current, rewriter, check, progress);
            allFailing.putAll(failing);
            if (!lockFailing || failing.isEmpty()) {
                return new Outcome(current, null, v, allFailing);
            }
            current = current.without(failing.keySet());
        }
    }

    private record Attempt(ModelProto model, Verification verification) { }

    private static Attempt applyAndCheck(Rewriter rewriter, ModelCheck check, Map<String, GroupPlan> groups) {
        return applyAndCheck(rewriter, check, groups, null);
    }

    /** With {@code progress}, says when the rewrite is done and ONNX Runtime verifies (a phase of --verbose). */
    private static Attempt applyAndCheck(Rewriter rewriter, ModelCheck check, Map<String, GroupPlan> groups, Progress progress) {
        ModelProto model;
        try {
            model = rewriter.apply(groups);
        } catch (Exception e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
            return new Attempt(null, Verification.failed("rewriting failed: " + m));
        }
        if (progress != null) progress.update("verifying in ONNX Runtime", 0, 1);
        return new Attempt(model, check.verify(model.toByteArray()));
    }

    /** Groups responsible for a failing plan, with the problem each causes. */
    public static Map<String, String> responsible(PruningPlan plan, Rewriter rewriter, ModelCheck check, Progress progress) {
        Map<String, String> failing = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>(plan.groups().keySet());
        int i = 0;
        for (String id : ids) {
            progress.checkCancelled();
            progress.update("checking group " + id + " alone", i++, ids.size());
            Verification v = applyAndCheck(rewriter, check, Map.of(id, plan.groups().get(id))).verification();
            if (!v.ok()) failing.put(id, v.problem());
        }
        if (!failing.isEmpty()) return failing;
        Map<String, GroupPlan> prefix = new LinkedHashMap<>();
        for (String id : ids) {
            progress.checkCancelled();
            prefix.put(id, plan.groups().get(id));
            Verification v = applyAndCheck(rewriter, check, prefix).verification();
            if (!v.ok()) {
                failing.put(id, v.problem() + " (together with the groups before it)");
                return failing;
            }
        }
        return failing;
    }

    static String firstLine(String s) {
        int i = s.indexOf('\n');
        return (i < 0 ? s : s.substring(0, i)).trim();
    }
}
