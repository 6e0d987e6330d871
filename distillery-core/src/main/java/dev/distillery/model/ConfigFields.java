package dev.distillery.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Typed access to the fields of a Hugging Face {@code config.json} object, for a family's config
 * parser: a missing or null field takes the fallback (as {@code from_pretrained} takes the class
 * default), a field of the wrong type or range throws {@link InvalidConfigException} naming the
 * file and the field.
 */
public final class ConfigFields {
    private final ObjectNode json;
    private final String file;

    /** @param file names the source in error messages */
    public ConfigFields(ObjectNode json, String file) {
        this.json = json;
        this.file = file;
    }

    public ObjectNode json() {
        return json;
    }

    public String file() {
        return file;
    }

    /** The raw node of a field, or null when absent or JSON null. */
    public JsonNode node(String name) {
        JsonNode n = json.get(name);
        return n == null || n.isNull() ? null : n;
    }

    public boolean has(String name) {
        return node(name) != null;
    }

    /** An error about this file: "FILE: message". */
    public InvalidConfigException error(String message) {
        return new InvalidConfigException(file + ": " + message);
    }

    public String string(String name, String fallback) {
        JsonNode n = node(name);
        if (n == null) {
            return fallback;
        }
        if (!n.isTextual()) {
            throw error("field \"" + name + "\" must be a string, found " + n);
        }
        return n.textValue();
    }

    public int positiveInt(String name, int fallback) {
        int v = nonNegativeInt(name, fallback);
        if (v == 0) {
            throw error("field \"" + name + "\" must be a positive integer, found 0");
        }
        return v;
    }

    public int nonNegativeInt(String name, int fallback) {
        JsonNode n = node(name);
        if (n == null) {
            return fallback;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0) {
            throw error("field \"" + name + "\" must be a non-negative integer, found " + n);
        }
        return n.intValue();
    }

    /** A non-negative finite number. */
    public float number(String name, float fallback) {
        Float v = nullableNumber(name);
        return v == null ? fallback : v;
    }

    /** A non-negative finite number, or null when absent. */
    public Float nullableNumber(String name) {
        JsonNode n = node(name);
        if (n == null) {
            return null;
        }
        if (!n.isNumber() || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0) {
            throw error("field \"" + name + "\" must be a non-negative number, found " + n);
        }
        return n.floatValue();
    }

    /** A positive finite number as a double (rope_theta of 500000 needs no float rounding). */
    public double positiveDouble(String name, double fallback) {
        JsonNode n = node(name);
        if (n == null) {
            return fallback;
        }
        if (!n.isNumber() || !Double.isFinite(n.doubleValue()) || n.doubleValue() <= 0) {
            throw error("field \"" + name + "\" must be a positive number, found " + n);
        }
        return n.doubleValue();
    }

    public boolean bool(String name, boolean fallback) {
        JsonNode n = node(name);
        if (n == null) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw error("field \"" + name + "\" must be true or false, found " + n);
        }
        return n.booleanValue();
    }
}
