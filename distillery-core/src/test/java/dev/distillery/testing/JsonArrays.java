package dev.distillery.testing;

import com.fasterxml.jackson.databind.JsonNode;

/** Numeric arrays out of the JSON fixtures that the scripts in scripts/fixtures write. */
public final class JsonArrays {
    private JsonArrays() {
    }

    /** Exact for values written from float32, which is how every fixture script writes them. */
    public static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
