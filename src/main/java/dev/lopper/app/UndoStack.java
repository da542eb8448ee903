package dev.lopper.app;

import java.util.ArrayDeque;
import java.util.Deque;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/**
 * Undo/redo of edits. Every edit is applied through {@link #apply}; consecutive edits with the same
 * {@code mergeKey} (e.g. dragging one slider) merge into one undo step.
 */
public final class UndoStack {
    /** One reversible edit. */
    public interface Edit {
        void redo();

        void undo();

        String description();

        /** Edits with equal non-null keys merge (the first's undo, the last's redo). */
        default Object mergeKey() { return null; }
    }

    private final Deque<Edit> undo = new ArrayDeque<>();
    private final Deque<Edit> redo = new ArrayDeque<>();
    private final ReadOnlyBooleanWrapper canUndo = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyBooleanWrapper canRedo = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyStringWrapper undoText = new ReadOnlyStringWrapper("Undo");
    private final ReadOnlyStringWrapper redoText = new ReadOnlyStringWrapper("Redo");
    private boolean replaying;

    public void apply(Edit e) {
        if (replaying) return;
        e.redo();
        Edit top = undo.peek();
        if (top != null && e.mergeKey() != null && e.mergeKey().equals(top.mergeKey())) {
            undo.pop();
            Edit first = top;
            undo.push(new Edit() {
                @Override public void redo() { e.redo(); }
                @Override public void undo() { first.undo(); }
                @Override public String description() { return e.description(); }
                @Override public Object mergeKey() { return e.mergeKey(); }
            });
        } else {
            undo.push(e);
        }
        redo.clear();
        update();
    }

    public void undo() {
        Edit e = undo.poll();
        if (e == null) return;
        replaying = true;
        try { e.undo(); } finally { replaying = false; }
        redo.push(e);
        update();
    }

    public void redo() {
        Edit e = redo.poll();
        if (e == null) return;
        replaying = true;
        try { e.redo(); } finally { replaying = false; }
        undo.push(e);
        update();
    }

    /** Ends merging: the next edit starts a new undo step even with the same key. */
    public void seal() {
        Edit top = undo.peek();
        if (top == null || top.mergeKey() == null) return;
        undo.pop();
        undo.push(new Edit() {
            @Override public void redo() { top.redo(); }
            @Override public void undo() { top.undo(); }
            @Override public String description() { return top.description(); }
        });
    }

    public void clear() {
        undo.clear();
        redo.clear();
        update();
    }

    /** True while an undo/redo replays (listeners that record edits must not record then). */
    public boolean isReplaying() { return replaying; }

    private void update() {
        canUndo.set(!undo.isEmpty());
        canRedo.set(!redo.isEmpty());
        undoText.set(undo.isEmpty() ? "Undo" : "Undo " + undo.peek().description());
        redoText.set(redo.isEmpty() ? "Redo" : "Redo " + redo.peek().description());
    }

    public int size() { return undo.size(); }

    public ReadOnlyBooleanProperty canUndoProperty() { return canUndo.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty canRedoProperty() { return canRedo.getReadOnlyProperty(); }

    public ReadOnlyStringProperty undoTextProperty() { return undoText.getReadOnlyProperty(); }

    public ReadOnlyStringProperty redoTextProperty() { return redoText.getReadOnlyProperty(); }
}
