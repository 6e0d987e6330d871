package dev.distillery.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The row moves, checked on a matrix whose values name their rows; the RoPE proof is in Llama2cCheckpointTest. */
class RotaryLayoutTest {
    @Test
    void rowsMoveAsHuggingFacesConverterMovesThem() {
        // Two heads of size 4, one column: row r holds r. Pairs (0,1), (2,3) of each head go to (0,2), (1,3).
        float[] w = {0, 1, 2, 3, 4, 5, 6, 7};
        float[] halves = RotaryLayout.interleavedToHalves(w, 2, 4, 1);
        assertArrayEquals(new float[] {0, 2, 1, 3, 4, 6, 5, 7}, halves);
        assertArrayEquals(w, RotaryLayout.halvesToInterleaved(halves, 2, 4, 1));
        // Head size 8: w.view(1, 4, 2, 1).transpose(1, 2) takes even rows first, then odd ones.
        float[] eight = {0, 1, 2, 3, 4, 5, 6, 7};
        assertArrayEquals(new float[] {0, 2, 4, 6, 1, 3, 5, 7}, RotaryLayout.interleavedToHalves(eight, 1, 8, 1));
        assertArrayEquals(eight, RotaryLayout.halvesToInterleaved(RotaryLayout.interleavedToHalves(eight, 1, 8, 1), 1, 8, 1));
    }

    @Test
    void byteRowsMoveLikeFloatRows() {
        int heads = 2;
        int headDim = 8;
        int cols = 3;
        float[] w = new float[heads * headDim * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = i * 0.5f - 7;
        }
        ByteBuffer b = ByteBuffer.allocate(4 * w.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : w) {
            b.putFloat(v);
        }
        byte[] moved = RotaryLayout.interleavedToHalves(b.array(), heads, headDim, 4 * cols);
        float[] expected = RotaryLayout.interleavedToHalves(w, heads, headDim, cols);
        float[] actual = new float[w.length];
        ByteBuffer.wrap(moved).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(actual);
        assertArrayEquals(expected, actual);
        assertArrayEquals(b.array(), RotaryLayout.halvesToInterleaved(moved, heads, headDim, 4 * cols));
        assertThrows(IllegalArgumentException.class, () -> RotaryLayout.interleavedToHalves(new float[6], 1, 3, 2));
    }
}
