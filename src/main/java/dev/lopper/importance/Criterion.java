package dev.lopper.importance;

import java.util.Locale;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/** The importance criteria Lopper offers, by CLI / plan-file name. Default: {@link #L1}. */
public enum Criterion {
    L1("l1", () -> new MagnitudeCriterion(1)),
    L2("l2", () -> new MagnitudeCriterion(2)),
    BN_SCALE("bn-scale", BatchNormScaleCriterion::new),
    FPGM("fpgm", FpgmCriterion::new),
    LAMP("lamp", LampCriterion::new),
    RANDOM("random", RandomCriterion::new),
    MEAN_ACTIVATION("mean-activation", ActivationCriterion::meanActivation),
    APOZ("apoz", ActivationCriterion::apoz),
    WANDA("wanda", WandaCriterion::wanda),
    /** Wanda with the activation's standard deviation (centred norm) instead of its norm. */
    STADE("stade", WandaCriterion::stade),
    /**
     * Structured Optimal Brain Surgeon on the consumer layers. It lives with its moments and compensation in
     * dev.lopper.prune.obspa (a layer above this one) and plugs in as a service ({@link #plugin(String)}).
     */
    OBSPA("obspa", () -> plugin("obspa"));

    private final String id;
    private final Supplier<ImportanceCriterion> factory;

    Criterion(String id, Supplier<ImportanceCriterion> factory) {
        this.id = id;
        this.factory = factory;
    }

    public String id() { return id; }

    public ImportanceCriterion create() { return factory.get(); }

    /**
     * A criterion implemented above the importance layer, found by its {@link ImportanceCriterion#id()} among the
     * {@code META-INF/services/dev.lopper.importance.ImportanceCriterion} providers on the class path.
     */
    static ImportanceCriterion plugin(String id) {
        for (ImportanceCriterion c : ServiceLoader.load(ImportanceCriterion.class, Criterion.class.getClassLoader())) {
            if (c.id().equals(id)) return c;
        }
        throw new IllegalStateException("criterion '" + id + "' is not on the class path (no ImportanceCriterion service with that id)");
    }

    public static Criterion parse(String s) {
        String k = s.toLowerCase(Locale.ROOT).replace('_', '-');
        for (Criterion c : values()) if (c.id.equals(k)) return c;
        throw new IllegalArgumentException("unknown criterion '" + s
                + "' (expected l1, l2, bn-scale, fpgm, lamp, random, mean-activation, apoz, wanda, stade or obspa)");
    }

    @Override
    public String toString() { return id; }
}
