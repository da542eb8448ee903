package dev.lopper.cli;

import java.io.PrintWriter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Indented JSON printed by the CLI commands' {@code --json}. */
final class JsonOutput {
    private JsonOutput() {}

    /** A new mapper that indents its output. */
    static ObjectMapper mapper() { return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT); }

    /**
     * Prints {@code value} (maps, lists, records, Jackson trees) as indented JSON followed by a newline.
     * @throws CliException {@code cannot write JSON: ...} when Jackson cannot serialize it
     */
    static void print(PrintWriter out, Object value) {
        try {
            out.println(mapper().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new CliException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
