package dev.distillery.tokenize;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Field access into a tokenizer.json that names the file and the field in every complaint. */
record JsonFields(String source) {

    /** The JSON object at the top of {@code in}. */
    JsonNode parse(InputStream in) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(in);
        } catch (JacksonException e) {
            throw new InvalidTokenizerException(source + ": not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (CharConversionException e) {
            // Jackson guesses UTF-16 or UTF-32 from zero bytes, then finds the guess wrong
            throw new InvalidTokenizerException(source + ": not UTF-8 JSON text (" + e.getMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new InvalidTokenizerException(source + ": expected a JSON object at the top level");
        }
        return root;
    }

    InvalidTokenizerException bad(String field, String expected) {
        return new InvalidTokenizerException(source + ": field '" + field + "' " + expected);
    }

    JsonNode object(JsonNode parent, String field) throws InvalidTokenizerException {
        JsonNode node = parent.get(field);
        if (node == null || !node.isObject()) {
            throw bad(field, "must be a JSON object");
        }
        return node;
    }

    String text(JsonNode parent, String field) throws InvalidTokenizerException {
        JsonNode node = parent.get(field);
        if (node == null || !node.isTextual()) {
            throw bad(field, "must be a string");
        }
        return node.textValue();
    }

    /** The string at {@code field}, or null when it is absent or null. */
    String optionalText(JsonNode parent, String field) throws InvalidTokenizerException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw bad(field, "must be a string or null, was " + node);
        }
        return node.textValue();
    }

    int positiveInt(JsonNode parent, String field) throws InvalidTokenizerException {
        JsonNode node = parent.get(field);
        if (node == null || !node.canConvertToInt() || !node.isIntegralNumber() || node.intValue() <= 0) {
            throw bad(field, "must be a positive integer, was " + node);
        }
        return node.intValue();
    }

    int nonNegativeInt(JsonNode node, String field) throws InvalidTokenizerException {
        if (node == null || !node.canConvertToInt() || !node.isIntegralNumber() || node.intValue() < 0) {
            throw bad(field, "must be a non-negative integer, was " + node);
        }
        return node.intValue();
    }

    boolean bool(JsonNode parent, String field, boolean absent) throws InvalidTokenizerException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return absent;
        }
        if (!node.isBoolean()) {
            throw bad(field, "must be true or false, was " + node);
        }
        return node.booleanValue();
    }

    void requireType(JsonNode node, String field, String... supported) throws InvalidTokenizerException {
        String type = node.path("type").asText(null);
        if (type == null || !Arrays.asList(supported).contains(type)) {
            throw bad(field + ".type", "is " + type + "; supported: " + String.join(", ", supported));
        }
    }
}
