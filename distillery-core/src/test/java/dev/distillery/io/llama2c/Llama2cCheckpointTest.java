package dev.distillery.io.llama2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.distillery.io.CheckpointFormatException;
import dev.distillery.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * stories260K (llama2.c's tinyllamas, 260K parameters) read into Hugging Face names, and the proof
 * that the rotary permutation is right: rotary embeddings applied Hugging Face's way (rotate-half)
 * to the permuted wq and wk give the same queries, keys and attention scores as llama2.c's
 * rotation of adjacent pairs applied to the file's own rows.
 */
class Llama2cCheckpointTest {
    static final String STORIES = "llama2c/stories260K/stories260K.bin";
    private static byte[] file;
    private static float[] raw; // every float after the header, as llama2.c maps them

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = Llama2cCheckpointTest.class.getClassLoader().getResourceAsStream(STORIES)) {
            assertTrue(in != null, STORIES + " must be on the test classpath");
            file = in.readAllBytes();
        }
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).position(28);
        raw = new float[(file.length - 28) / 4];
        b.asFloatBuffer().get(raw);
    }

    @Test
    void readsStories260KAsItsReadmeDescribesIt() throws IOException {
        Llama2cCheckpoint c = Llama2cCheckpoint.read(file, "stories260K.bin");
        assertEquals(new Llama2cConfig(64, 172, 5, 8, 4, 512, 512, true), c.config());
        assertEquals(8, c.config().headDim());
        assertEquals(1 + 5 * 9 + 1, c.weights().size(), "no lm_head: the classifier is the embedding");
        assertArrayEquals(new int[] {512, 64}, c.weights().get("model.embed_tokens.weight").shape());
        assertArrayEquals(new int[] {32, 64}, c.weights().get("model.layers.4.self_attn.k_proj.weight").shape());
        assertArrayEquals(new int[] {172, 64}, c.weights().get("model.layers.0.mlp.up_proj.weight").shape());
        assertArrayEquals(new int[] {64, 172}, c.weights().get("model.layers.0.mlp.down_proj.weight").shape());
        assertEquals(true, c.config().toHfConfig().get("tie_word_embeddings"));
        // Offsets by llama2.c's memory_map_weights: embedding, then each kind stacked over the five layers.
        int dim = 64;
        int embed = 512 * dim;
        int norms = 5 * dim;
        int wqAll = 5 * dim * dim;
        int kvAll = 5 * dim * 32;
        assertArrayEquals(Arrays.copyOfRange(raw, 0, embed), c.weights().get("model.embed_tokens.weight").data());
        int wv = embed + norms + wqAll + kvAll;
        assertArrayEquals(Arrays.copyOfRange(raw, wv + 2 * dim * 32, wv + 3 * dim * 32),
                c.weights().get("model.layers.2.self_attn.v_proj.weight").data());
        int w1 = wv + kvAll + wqAll + norms;
        int w2 = w1 + 5 * 172 * dim;
        int w3 = w2 + 5 * dim * 172;
        assertArrayEquals(Arrays.copyOfRange(raw, w1, w1 + 172 * dim), c.weights().get("model.layers.0.mlp.gate_proj.weight").data());
        assertArrayEquals(Arrays.copyOfRange(raw, w3, w3 + 172 * dim), c.weights().get("model.layers.0.mlp.up_proj.weight").data());
        int finalNorm = w3 + 5 * 172 * dim;
        assertArrayEquals(Arrays.copyOfRange(raw, finalNorm, finalNorm + dim), c.weights().get("model.norm.weight").data());
        assertEquals(finalNorm + dim + 512 * 8, raw.length, "then the two legacy RoPE tables, then the end of the file");
    }

    /** llama2.c's RoPE (run.c forward): adjacent pairs (i, i+1) of each head, frequency 10000^(-(i % headSize)/headSize). */
    static double[] ropeLlama2c(double[] v, int headSize, int pos) {
        double[] out = v.clone();
        for (int i = 0; i < v.length; i += 2) {
            double freq = 1.0 / Math.pow(10000.0, (i % headSize) / (double) headSize);
            double c = Math.cos(pos * freq);
            double s = Math.sin(pos * freq);
            out[i] = v[i] * c - v[i + 1] * s;
            out[i + 1] = v[i] * s + v[i + 1] * c;
        }
        return out;
    }

    /** Hugging Face's apply_rotary_pos_emb: q·cos + rotate_half(q)·sin per head, frequency 10000^(-2i/headDim). */
    static double[] ropeHuggingFace(double[] v, int headDim, int pos) {
        double[] out = new double[v.length];
        int half = headDim / 2;
        for (int h = 0; h < v.length / headDim; h++) {
            for (int d = 0; d < headDim; d++) {
                int i = d % half;
                double freq = 1.0 / Math.pow(10000.0, 2.0 * i / headDim);
                double rotated = d < half ? -v[h * headDim + d + half] : v[h * headDim + d - half];
                out[h * headDim + d] = v[h * headDim + d] * Math.cos(pos * freq) + rotated * Math.sin(pos * freq);
            }
        }
        return out;
    }

    private static double[] matvec(float[] w, int rows, int cols, double[] x) {
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += w[r * cols + c] * x[c];
            }
            y[r] = s;
        }
        return y;
    }

    @Test
    void rotaryEmbeddingOnPermutedWeightsEqualsLlama2cRotationOnTheFileRows() throws IOException {
        Llama2cCheckpoint c = Llama2cCheckpoint.read(file, "stories260K.bin");
        int dim = 64;
        int hd = 8;
        int kvDim = 32;
        int layer = 3;
        int wqAt = 512 * dim + 5 * dim + layer * dim * dim;
        int wkAt = 512 * dim + 5 * dim + 5 * dim * dim + layer * kvDim * dim;
        float[] wqFile = Arrays.copyOfRange(raw, wqAt, wqAt + dim * dim);
        float[] wkFile = Arrays.copyOfRange(raw, wkAt, wkAt + kvDim * dim);
        Tensor wqHf = c.weights().get("model.layers." + layer + ".self_attn.q_proj.weight");
        Tensor wkHf = c.weights().get("model.layers." + layer + ".self_attn.k_proj.weight");
        Random random = new Random(20261207);
        int half = hd / 2;
        for (int pos : new int[] {0, 1, 5, 100, 511}) {
            double[] x = random.doubles(dim, -1, 1).toArray();
            double[] qc = ropeLlama2c(matvec(wqFile, dim, dim, x), hd, pos);
            double[] kc = ropeLlama2c(matvec(wkFile, kvDim, dim, x), hd, pos);
            double[] qh = ropeHuggingFace(matvec(wqHf.data(), dim, dim, x), hd, pos);
            double[] kh = ropeHuggingFace(matvec(wkHf.data(), kvDim, dim, x), hd, pos);
            // The same rotated vectors, element (h, 2i + j) of llama2.c's at (h, j·half + i) of Hugging Face's.
            for (int h = 0; h < dim / hd; h++) {
                for (int i = 0; i < half; i++) {
                    for (int j = 0; j < 2; j++) {
                        assertEquals(qc[h * hd + 2 * i + j], qh[h * hd + j * half + i], 1e-12, "q pos " + pos);
                        if (h < kvDim / hd) {
                            assertEquals(kc[h * hd + 2 * i + j], kh[h * hd + j * half + i], 1e-12, "k pos " + pos);
                        }
                    }
                }
            }
            // So every attention score is the same; query head h reads key head h / 2 in both (8 heads over 4).
            for (int h = 0; h < 8; h++) {
                int kvh = h / 2;
                double scoreC = 0;
                double scoreH = 0;
                for (int d = 0; d < hd; d++) {
                    scoreC += qc[h * hd + d] * kc[kvh * hd + d];
                    scoreH += qh[h * hd + d] * kh[kvh * hd + d];
                }
                assertEquals(scoreC, scoreH, 1e-12 * Math.max(1, Math.abs(scoreC)), "score head " + h + " pos " + pos);
            }
        }
        // Without the permutation the Hugging Face rotation gives other scores: the check above can fail.
        double[] x = random.doubles(dim, -1, 1).toArray();
        double[] unpermuted = ropeHuggingFace(matvec(wqFile, dim, dim, x), hd, 7);
        double[] permuted = ropeHuggingFace(matvec(wqHf.data(), dim, dim, x), hd, 7);
        double[] truth = ropeLlama2c(matvec(wqFile, dim, dim, x), hd, 7);
        assertFalse(Arrays.equals(unpermuted, truth));
        assertEquals(norm(truth), norm(permuted), 1e-9);
    }

    private static double norm(double[] v) {
        return Math.sqrt(Arrays.stream(v).map(a -> a * a).sum());
    }

    /** A tiny checkpoint with a separate classifier: every float is its own index, so placement is visible. */
    static byte[] tiny(int vocab, boolean shared) {
        int dim = 8;
        int hidden = 12;
        int seq = 4;
        Llama2cConfig c = new Llama2cConfig(dim, hidden, 1, 2, 1, vocab, seq, shared);
        long floats = (long) vocab * dim + dim + dim * dim + 2L * dim * c.kvDim() + dim * dim + dim + 3L * dim * hidden
                + dim + (long) seq * c.headDim() + (shared ? 0 : (long) vocab * dim);
        ByteBuffer b = ByteBuffer.allocate(28 + 4 * (int) floats).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(dim).putInt(hidden).putInt(1).putInt(2).putInt(1).putInt(shared ? vocab : -vocab).putInt(seq);
        for (int i = 0; i < floats; i++) {
            b.putFloat(i);
        }
        return b.array();
    }

    @Test
    void aSeparateClassifierBecomesLmHead() throws IOException {
        Llama2cCheckpoint c = Llama2cCheckpoint.read(tiny(5, false), "tiny.bin");
        assertFalse(c.config().sharedClassifier());
        float[] head = c.weights().get("lm_head.weight").data();
        int total = (tiny(5, false).length - 28) / 4;
        assertEquals(total - 40, head[0], "the classifier is the last vocab·dim floats");
        assertEquals(total - 1, head[39]);
        assertEquals(false, c.config().toHfConfig().get("tie_word_embeddings"));
        assertEquals(2 + 9 + 1, c.weights().size());
    }

    @Test
    void filesThatAreNotLegacyCheckpointsAreRefused() {
        byte[] good = tiny(5, true);
        record Case(String expected, byte[] bytes) {
        }
        byte[] zeroLayers = good.clone();
        ByteBuffer.wrap(zeroLayers).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 0);
        byte[] kvHeads = good.clone();
        ByteBuffer.wrap(kvHeads).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 3);
        byte[] oddHead = good.clone();
        ByteBuffer.wrap(oddHead).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 6).putInt(12, 2); // head size 3
        byte[] versioned = good.clone();
        ByteBuffer.wrap(versioned).order(ByteOrder.LITTLE_ENDIAN).putInt(0, Llama2cCheckpoint.VERSIONED_MAGIC).putInt(4, 1);
        byte[] hugeVocab = good.clone();
        ByteBuffer.wrap(hugeVocab).order(ByteOrder.LITTLE_ENDIAN).putInt(20, Integer.MAX_VALUE);
        for (Case c : new Case[] {new Case("too short", new byte[20]), new Case("truncated", Arrays.copyOf(good, good.length - 4)),
                new Case("bytes more", Arrays.copyOf(good, good.length + 8)), new Case("n_layers is 0", zeroLayers),
                new Case("multiple of n_kv_heads", kvHeads), new Case("even size", oddHead), new Case("ak42", versioned),
                new Case("truncated", hugeVocab)}) {
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                    () -> Llama2cCheckpoint.read(c.bytes(), "bad.bin"), c.expected());
            assertTrue(e.getMessage().startsWith("bad.bin") && e.getMessage().contains(c.expected()),
                    c.expected() + " -> " + e.getMessage());
        }
    }

    @Test
    void corruptedHeadersLoadOrFailCleanly() {
        byte[] good = tiny(5, true);
        Random r = new Random(11);
        int loaded = 0;
        for (int n = 0; n < 2000; n++) {
            byte[] b = r.nextInt(4) == 0 ? Arrays.copyOf(good, r.nextInt(good.length + 16)) : good.clone();
            for (int k = 0, m = 1 + r.nextInt(3); k < m; k++) {
                if (b.length > 0) {
                    b[r.nextInt(Math.min(28, b.length))] ^= (byte) (1 << r.nextInt(8));
                }
            }
            try {
                Llama2cCheckpoint.read(b, "fuzz.bin");
                loaded++;
            } catch (CheckpointFormatException expected) {
                assertTrue(expected.getMessage().startsWith("fuzz.bin"), expected.getMessage());
            } catch (RuntimeException | Error e) {
                fail("case " + n + " threw " + e, e);
            }
        }
        assertTrue(loaded < 2000, "corruptions should be caught");
    }
}
