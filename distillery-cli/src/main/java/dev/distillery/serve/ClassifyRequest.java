package dev.distillery.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of {@code POST /v1/classify}, {@code {"inputs": ["...", ...]}}, read with a streaming parser
 * so a wrong type or a limit stops it at the first offending token rather than after building a tree.
 *
 * @param inputs the texts to classify, at least one
 */
record ClassifyRequest(List<String> inputs) {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final String SHAPE = "expected {\"inputs\": [\"text\", ...]}";

    /**
     * @throws ApiException naming the field and what was found, or the limit that was passed
     */
    static ClassifyRequest parse(byte[] body, ServerLimits limits) throws ApiException {
        if (body.length == 0) {
            throw new ApiException(ErrorKind.INVALID_REQUEST, "the body is empty; " + SHAPE);
        }
        try (JsonParser p = JSON.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw invalid("the body is " + describe(t) + ", not a JSON object; " + SHAPE);
            }
            List<String> inputs = null;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                if (!field.equals("inputs")) {
                    throw invalid("unknown field \"" + abbreviate(field) + "\"; " + SHAPE);
                }
                inputs = readInputs(p, limits);
            }
            if (t != JsonToken.END_OBJECT) {
                throw invalid("the body ended inside the JSON object; " + SHAPE);
            }
            if (p.nextToken() != null) {
                throw invalid("the body goes on after the JSON object; " + SHAPE);
            }
            if (inputs == null) {
                throw invalid("the field \"inputs\" is missing; " + SHAPE);
            }
            if (inputs.isEmpty()) {
                throw invalid("\"inputs\" is empty; send at least one text");
            }
            return new ClassifyRequest(inputs);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ApiException(ErrorKind.MALFORMED_JSON, "malformed JSON" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            // an in-memory body fails only on its bytes, e.g. an encoding Jackson cannot decode
            throw new ApiException(ErrorKind.MALFORMED_JSON, "unreadable JSON: " + e.getMessage());
        }
    }

    private static List<String> readInputs(JsonParser p, ServerLimits limits) throws IOException, ApiException {
        JsonToken t = p.nextToken();
        if (t != JsonToken.START_ARRAY) {
            throw invalid("\"inputs\" is " + describe(t) + ", not an array of strings");
        }
        List<String> inputs = new ArrayList<>();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_STRING) {
                throw invalid("\"inputs\"[" + inputs.size() + "] is " + describe(t) + ", not a string");
            }
            if (inputs.size() == limits.maxInputs()) {
                throw new ApiException(ErrorKind.TOO_MANY_INPUTS, "\"inputs\" holds more than " + limits.maxInputs()
                        + " texts, the limit per request; split it into several requests");
            }
            String text = p.getText();
            int chars = text.codePointCount(0, text.length());
            if (chars > limits.maxInputChars()) {
                throw new ApiException(ErrorKind.INPUT_TOO_LONG, "\"inputs\"[" + inputs.size() + "] has " + chars
                        + " characters; the limit is " + limits.maxInputChars());
            }
            inputs.add(text);
        }
        return inputs;
    }

    private static ApiException invalid(String message) {
        return new ApiException(ErrorKind.INVALID_REQUEST, message);
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
