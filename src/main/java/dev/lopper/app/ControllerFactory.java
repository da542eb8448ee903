package dev.lopper.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import javafx.fxml.FXMLLoader;
import javafx.util.Callback;

/**
 * Creates the FXML views' controllers with their view-models injected (FXML only names the controller's
 * class; {@link FXMLLoader#setControllerFactory} asks here). Views live under {@code /dev/lopper/app/fxml/}.
 */
public final class ControllerFactory implements Callback<Class<?>, Object> {
    private final Map<Class<?>, Supplier<?>> makers = new LinkedHashMap<>();

    public <T> ControllerFactory with(Class<T> type, Supplier<? extends T> maker) {
        makers.put(type, maker);
        return this;
    }

    @Override
    public Object call(Class<?> type) {
        Supplier<?> s = makers.get(type);
        if (s == null) throw new IllegalStateException("no controller registered for " + type.getName());
        return s.get();
    }

    /**
     * Loads {@code /dev/lopper/app/fxml/NAME.fxml}: {@code root} is the fx:root object (null for a plain view),
     * the controller named by fx:controller comes from this factory. Returns the loader (root, controller).
     */
    public FXMLLoader load(String name, Object root) {
        FXMLLoader loader = new FXMLLoader(resource(name));
        if (root != null) loader.setRoot(root);
        loader.setControllerFactory(this);
        try {
            loader.load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the view " + name + ": " + e.getMessage(), e);
        }
        return loader;
    }

    /** Loads a view without a controller (a dialog pane). */
    public static <T> T loadView(String name) {
        FXMLLoader loader = new FXMLLoader(resource(name));
        try {
            return loader.load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the view " + name + ": " + e.getMessage(), e);
        }
    }

    static URL resource(String name) {
        URL url = ControllerFactory.class.getResource("/dev/lopper/app/fxml/" + name + ".fxml");
        if (url == null) throw new IllegalStateException("missing view " + name + ".fxml");
        return url;
    }
}
