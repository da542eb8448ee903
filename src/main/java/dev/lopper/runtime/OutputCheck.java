package dev.lopper.runtime;

import java.util.Arrays;

/** One output of a verified candidate: the shape the original produced and the candidate's (null if missing). */
public record OutputCheck(String name, long[] expectedShape, long[] actualShape, boolean finite) {
    public boolean shapeMatches() { return actualShape != null && Arrays.equals(expectedShape, actualShape); }

    public boolean ok() { return shapeMatches() && finite; }
}
