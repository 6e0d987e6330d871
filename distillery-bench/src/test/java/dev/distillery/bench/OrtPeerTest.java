package dev.distillery.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OrtException;
import dev.distillery.model.EncoderInput;
import dev.distillery.onnx.MiniLm;
import dev.distillery.testing.Numerics;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OrtPeerTest {
    private static final int CLS = 101;
    private static final int SEP = 102;
    private static OrtPeer ort;

    @BeforeAll
    static void open() throws IOException, OrtException {
        ort = new OrtPeer(MiniLm.modelBytes(), 2);
    }

    @AfterAll
    static void close() throws OrtException {
        ort.close();
    }

    @Test
    void paddingLeavesRealTokensAndPoolingUnchanged() throws OrtException {
        Random random = new Random(7);
        int[][] texts = {sentence(random, 4), sentence(random, 9), sentence(random, 6)};
        int seqLen = 9;
        int[] ids = new int[texts.length * seqLen];
        int[] mask = new int[ids.length];
        for (int b = 0; b < texts.length; b++) {
            for (int t = 0; t < texts[b].length; t++) {
                ids[b * seqLen + t] = texts[b][t];
                mask[b * seqLen + t] = 1;
            }
        }
        OrtPeer.Output padded = ort.run(new EncoderInput(texts.length, seqLen, ids, new int[ids.length], mask));
        assertEquals(384, padded.hidden());
        for (int b = 0; b < texts.length; b++) {
            int n = texts[b].length;
            int[] ones = new int[n];
            Arrays.fill(ones, 1);
            OrtPeer.Output alone = ort.run(new EncoderInput(1, n, texts[b], new int[n], ones));
            float[] paddedRows = Arrays.copyOfRange(padded.lastHidden(), b * seqLen * 384, (b * seqLen + n) * 384);
            // Same runtime and weights: padding only changes summation order and blocking, and the
            // additive mask drives padded keys' softmax weights to exactly zero.
            Numerics.assertClose(alone.lastHidden(), paddedRows, 1e-5, 1e-5, "row " + b + " hidden");
            Numerics.assertClose(alone.meanPooled(), Arrays.copyOfRange(padded.meanPooled(), b * 384, (b + 1) * 384),
                    1e-5, 1e-5, "row " + b + " pooled");
        }
    }

    @Test
    void meanPoolAveragesOnlyMaskedTokens() {
        float[] hidden = {1, 2, 3, 4, 100, 100, /* second row */ 5, 6, -7, 8, 9, -9}; // [2, 3, 2]
        int[] mask = {1, 1, 0, 1, 0, 0};
        float[] pooled = OrtPeer.meanPool(hidden, mask, 2, 3, 2);
        assertArrayEquals(new float[] {2, 3, 5, 6}, pooled);
    }

    private static int[] sentence(Random random, int length) {
        int[] ids = new int[length];
        ids[0] = CLS;
        for (int i = 1; i < length - 1; i++) {
            ids[i] = 1000 + random.nextInt(29000);
        }
        ids[length - 1] = SEP;
        return ids;
    }
}
