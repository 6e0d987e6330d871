package dev.distillery.io.gguf;

/** The metadata value types of GGUF ({@code gguf_metadata_value_type}), with the bytes a scalar of each takes. */
public enum GgufType {
    UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(-1), ARRAY(-1),
    UINT64(8), INT64(8), FLOAT64(8);

    private final int size;

    GgufType(int size) {
        this.size = size;
    }

    /** The id stored in the file, the enum's declaration order. */
    public int id() {
        return ordinal();
    }

    /** Bytes of one value, or -1 for strings and arrays, whose size is stored with them. */
    public int size() {
        return size;
    }

    /** The type with this id, or null. */
    public static GgufType byId(long id) {
        return id >= 0 && id < values().length ? values()[(int) id] : null;
    }

    public boolean isInteger() {
        return this == UINT8 || this == INT8 || this == UINT16 || this == INT16 || this == UINT32 || this == INT32
                || this == UINT64 || this == INT64;
    }
}
