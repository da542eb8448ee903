package dev.lopper.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class IndexMapTest {
    @Test
    void identityOffsetBlocksAndRepeats() {
        assertArrayEquals(new int[] {3}, IndexMap.IDENTITY.indicesOf(3));
        assertArrayEquals(new int[] {7}, IndexMap.offset(4).indicesOf(3));
        assertArrayEquals(new int[] {8, 9, 10, 11}, IndexMap.blocks(4).indicesOf(2));
        // position 1 inside each of 3 groups of size 4
        assertArrayEquals(new int[] {1, 5, 9}, new IndexMap(0, 1, 3, 4).indicesOf(1));
        assertArrayEquals(new int[] {0, 2, 4, 6}, new IndexMap(0, 1, 2, 4).indicesOf(new int[] {0, 2}));
    }

    @Test
    void compositionOfConcatOffsetAndFlattenBlocks() {
        // channel c of a Concat input at offset 2, then flattened with 4 positions per channel
        IndexMap m = IndexMap.offset(2).then(IndexMap.blocks(4));
        assertArrayEquals(new int[] {12, 13, 14, 15}, m.indicesOf(1));
    }
}
