package dev.distillery.io.gguf;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One GGUF metadata value with its type. Scalars are held boxed in the Java type of their width
 * (an unsigned value keeps its bits: a UINT32 of 4,000,000,000 is a negative {@code Integer},
 * {@link #asLong()} widens it correctly); arrays as the primitive array of their element type
 * ({@code byte[]}, {@code short[]}, {@code int[]}, {@code long[]}, {@code float[]},
 * {@code double[]}, {@code boolean[]}, {@code String[]}), and arrays of arrays as
 * {@code GgufValue[]}.
 *
 * <pre>{@code
 * GgufValue.uint32(32).asLong();                                  // 32
 * GgufValue.strings(List.of("<unk>", "<s>")).asStrings();         // [<unk>, <s>]
 * }</pre>
 *
 * @param elementType for an {@link GgufType#ARRAY}, the type of its elements; null otherwise
 */
public record GgufValue(GgufType type, GgufType elementType, Object value) {
    public GgufValue {
        Objects.requireNonNull(type);
        Objects.requireNonNull(value);
        if ((type == GgufType.ARRAY) != (elementType != null)) {
            throw new IllegalArgumentException("an element type goes with arrays only, not " + type);
        }
        Class<?> expected = type == GgufType.ARRAY ? arrayClass(elementType) : scalarClass(type);
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException(type + (elementType == null ? "" : " of " + elementType) + " needs a "
                    + expected.getSimpleName() + ", not a " + value.getClass().getSimpleName());
        }
    }

    static Class<?> scalarClass(GgufType t) {
        return switch (t) {
            case UINT8, INT8 -> Byte.class;
            case UINT16, INT16 -> Short.class;
            case UINT32, INT32 -> Integer.class;
            case UINT64, INT64 -> Long.class;
            case FLOAT32 -> Float.class;
            case FLOAT64 -> Double.class;
            case BOOL -> Boolean.class;
            case STRING -> String.class;
            case ARRAY -> throw new IllegalArgumentException("an array is not a scalar");
        };
    }

    static Class<?> arrayClass(GgufType element) {
        return switch (element) {
            case UINT8, INT8 -> byte[].class;
            case UINT16, INT16 -> short[].class;
            case UINT32, INT32 -> int[].class;
            case UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufValue[].class;
        };
    }

    public static GgufValue uint8(int v) {
        return new GgufValue(GgufType.UINT8, null, (byte) v);
    }

    public static GgufValue int8(int v) {
        return new GgufValue(GgufType.INT8, null, (byte) v);
    }

    public static GgufValue uint16(int v) {
        return new GgufValue(GgufType.UINT16, null, (short) v);
    }

    public static GgufValue int16(int v) {
        return new GgufValue(GgufType.INT16, null, (short) v);
    }

    public static GgufValue uint32(long v) {
        return new GgufValue(GgufType.UINT32, null, (int) v);
    }

    public static GgufValue int32(int v) {
        return new GgufValue(GgufType.INT32, null, v);
    }

    public static GgufValue uint64(long v) {
        return new GgufValue(GgufType.UINT64, null, v);
    }

    public static GgufValue int64(long v) {
        return new GgufValue(GgufType.INT64, null, v);
    }

    public static GgufValue float32(float v) {
        return new GgufValue(GgufType.FLOAT32, null, v);
    }

    public static GgufValue float64(double v) {
        return new GgufValue(GgufType.FLOAT64, null, v);
    }

    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufType.BOOL, null, v);
    }

    public static GgufValue string(String v) {
        return new GgufValue(GgufType.STRING, null, v);
    }

    public static GgufValue strings(List<String> v) {
        return new GgufValue(GgufType.ARRAY, GgufType.STRING, v.toArray(String[]::new));
    }

    public static GgufValue float32s(float[] v) {
        return new GgufValue(GgufType.ARRAY, GgufType.FLOAT32, v.clone());
    }

    public static GgufValue int32s(int[] v) {
        return new GgufValue(GgufType.ARRAY, GgufType.INT32, v.clone());
    }

    /** An array of {@code elementType} held in the matching Java array (see the class comment). */
    public static GgufValue array(GgufType elementType, Object javaArray) {
        return new GgufValue(GgufType.ARRAY, elementType, javaArray);
    }

    /** Number of elements of an array. */
    public int length() {
        if (type != GgufType.ARRAY) {
            throw new IllegalStateException(type + " is not an array");
        }
        return java.lang.reflect.Array.getLength(value);
    }

    /** An integer scalar as a long, unsigned types widened without sign (a UINT64 above 2^63 - 1 stays negative). */
    public long asLong() {
        return switch (type) {
            case UINT8 -> (Byte) value & 0xFFL;
            case UINT16 -> (Short) value & 0xFFFFL;
            case UINT32 -> (Integer) value & 0xFFFFFFFFL;
            case INT8, INT16, INT32, INT64, UINT64 -> ((Number) value).longValue();
            default -> throw new IllegalStateException(type + " is not an integer");
        };
    }

    /** A number of any type as a double. */
    public double asDouble() {
        return type == GgufType.FLOAT32 || type == GgufType.FLOAT64 ? ((Number) value).doubleValue() : asLong();
    }

    public String asString() {
        if (type != GgufType.STRING) {
            throw new IllegalStateException(type + " is not a string");
        }
        return (String) value;
    }

    public boolean asBoolean() {
        if (type != GgufType.BOOL) {
            throw new IllegalStateException(type + " is not a bool");
        }
        return (Boolean) value;
    }

    /** A string array. */
    public List<String> asStrings() {
        if (elementType != GgufType.STRING) {
            throw new IllegalStateException("not an array of strings");
        }
        return List.of((String[]) value);
    }

    /** A FLOAT32 array (a copy). */
    public float[] asFloats() {
        if (elementType != GgufType.FLOAT32) {
            throw new IllegalStateException("not an array of float32");
        }
        return ((float[]) value).clone();
    }

    /** An array of 8-, 16- or 32-bit integers widened to int (unsigned ones without sign, UINT32 keeping its bits). */
    public int[] asInts() {
        if (elementType == null) {
            throw new IllegalStateException(type + " is not an array");
        }
        return switch (elementType) {
            case INT32, UINT32 -> ((int[]) value).clone();
            case INT16 -> widen((short[]) value, false);
            case UINT16 -> widen((short[]) value, true);
            case INT8, UINT8 -> {
                byte[] b = (byte[]) value;
                int[] out = new int[b.length];
                for (int i = 0; i < b.length; i++) {
                    out[i] = elementType == GgufType.UINT8 ? b[i] & 0xFF : b[i];
                }
                yield out;
            }
            default -> throw new IllegalStateException("an array of " + elementType + " is not an array of ints");
        };
    }

    private static int[] widen(short[] s, boolean unsigned) {
        int[] out = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = unsigned ? s[i] & 0xFFFF : s[i];
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufValue v && type == v.type && elementType == v.elementType
                && Objects.deepEquals(value, v.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, elementType) * 31 + Arrays.deepHashCode(new Object[] {value});
    }

    @Override
    public String toString() {
        if (type != GgufType.ARRAY) {
            return type == GgufType.STRING ? "\"" + value + "\"" : type == GgufType.UINT32 || type == GgufType.UINT16
                    || type == GgufType.UINT8 ? Long.toString(asLong()) : value.toString();
        }
        int n = length();
        return elementType + "[" + n + "]";
    }
}
