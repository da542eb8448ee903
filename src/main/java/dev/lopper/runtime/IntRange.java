package dev.lopper.runtime;

/** Inclusive range for random integer inputs (token ids, indices). Default 0..99 ({@code --int-range 0,99}). */
public record IntRange(long lo, long hi) {
    public static final IntRange DEFAULT = new IntRange(0, 99);

    public IntRange {
        if (hi < lo) throw new EvalException("--int-range " + lo + "," + hi + ": the upper bound is below the lower bound");
    }

    /** Parses {@code lo,hi}. */
    public static IntRange parse(String text) {
        String[] p = text.split(",");
        if (p.length != 2) throw new EvalException("--int-range '" + text + "': expected LO,HI (e.g. 0,30521)");
        try {
            return new IntRange(Long.parseLong(p[0].trim()), Long.parseLong(p[1].trim()));
        } catch (NumberFormatException e) {
            throw new EvalException("--int-range '" + text + "': bounds must be whole numbers");
        }
    }
}
