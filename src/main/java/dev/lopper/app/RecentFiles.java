package dev.lopper.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.prefs.Preferences;

import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/** The last opened models, newest first, kept in {@link Preferences} (missing files are dropped). */
public final class RecentFiles {
    private static final int MAX = 10;
    private static final String KEY = "recent";
    private final Preferences prefs;
    private final ObservableList<Path> files = FXCollections.observableArrayList();

    /** @param prefs where the list is kept, or null to keep it in memory only (screenshots, tests) */
    public RecentFiles(Preferences prefs) {
        this.prefs = prefs;
        String stored = prefs == null ? "" : prefs.get(KEY, "");
        for (String s : stored.split("\n")) {
            if (s.isBlank()) continue;
            try {
                Path p = Path.of(s);
                if (Files.isRegularFile(p) && !files.contains(p)) files.add(p);
            } catch (RuntimeException ignored) {
                // an unusable stored entry is skipped
            }
        }
    }

    public static RecentFiles userDefault() {
        return new RecentFiles(Preferences.userRoot().node("dev/lopper/app"));
    }

    public static RecentFiles inMemory() { return new RecentFiles(null); }

    public ObservableList<Path> files() { return files; }

    public void add(Path file) {
        Path p = file.toAbsolutePath().normalize();
        files.remove(p);
        files.add(0, p);
        while (files.size() > MAX) files.remove(files.size() - 1);
        List<String> out = new ArrayList<>();
        for (Path f : files) out.add(f.toString());
        if (prefs != null) prefs.put(KEY, String.join("\n", out));
    }
}
