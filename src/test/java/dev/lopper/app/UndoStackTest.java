package dev.lopper.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class UndoStackTest {
    static UndoStack.Edit set(AtomicInteger v, int to, Object key) {
        int from = v.get();
        return new UndoStack.Edit() {
            @Override public void redo() { v.set(to); }
            @Override public void undo() { v.set(from); }
            @Override public String description() { return "set " + to; }
            @Override public Object mergeKey() { return key; }
        };
    }

    @Test
    void mergesDragsSealsAndClearsRedo() {
        UndoStack u = new UndoStack();
        AtomicInteger v = new AtomicInteger(0);
        u.apply(set(v, 1, "k"));
        u.apply(set(v, 2, "k"));
        assertEquals(1, u.size());
        u.seal();
        u.apply(set(v, 3, "k"));
        assertEquals(2, u.size());
        u.undo();
        assertEquals(2, v.get());
        u.undo();
        assertEquals(0, v.get());
        assertFalse(u.canUndoProperty().get());
        assertTrue(u.canRedoProperty().get());
        assertEquals("Redo set 2", u.redoTextProperty().get());
        u.redo();
        assertEquals(2, v.get());
        u.apply(set(v, 9, null));
        assertFalse(u.canRedoProperty().get());
        assertEquals("Undo set 9", u.undoTextProperty().get());
    }
}
