package dev.distillery.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.CharConversionException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The JSON files of a model folder (config.json, tokenizer_config.json, distillery.json) read into trees, with
 * every way a file can fail to be JSON reported as a {@link CheckpointFormatException} naming it: bad syntax, a
 * key given twice, and bytes Jackson cannot decode (it guesses UTF-16 or UTF-32 from zero bytes and then throws a
 * bare {@link CharConversionException}).
 */
public final class JsonFiles {
    /** Duplicate keys are an error: which of two values a reader keeps differs between libraries. */
    static final ObjectMapper JSON = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    private JsonFiles() {
    }

    /** The file's JSON value; null for an empty file. */
    public static JsonNode read(Path file) throws IOException {
        try {
            return JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(file + " is not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (CharConversionException e) {
            throw new CheckpointFormatException(file + " is not UTF-8 JSON text (" + e.getMessage() + ")", e);
        }
    }
}
