package dev.distillery.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;

/** A JSON generator for JSON Lines output: the caller writes one root object and a '\n' per record. */
final class JsonLines {
    private JsonLines() {
    }

    static JsonGenerator generator(OutputStream out) throws IOException {
        JsonGenerator json = new JsonFactory().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET).createGenerator(out);
        // Jackson puts a space between root values by default; JSON Lines wants each object at a line start.
        json.setRootValueSeparator(null);
        return json;
    }
}
