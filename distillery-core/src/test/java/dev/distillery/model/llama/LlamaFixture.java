package dev.distillery.model.llama;

import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.RawTensor;
import dev.distillery.io.SafetensorsFile;
import dev.distillery.model.EncoderInput;
import dev.distillery.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tiny random decoder folder with its PyTorch reference outputs, written by
 * scripts/fixtures/make_llama_fixture.py (float64 forward and backward of the block written in
 * plain torch): {@code input_ids}, {@code logits}, {@code hidden_states.K}, {@code loss},
 * {@code grad.NAME} and {@code greedy_ids}.
 */
record LlamaFixture(String variant, Path dir, DecoderCheckpoint checkpoint, Map<String, Tensor> expected,
                    int[][] inputIds, int[][] greedyIds, String header) {
    static final String REGENERATE = "regenerate with: /usr/bin/python3 scripts/fixtures/make_llama_fixture.py "
            + "distillery-core/src/test/resources/fixtures/llama";

    static LlamaFixture load(String variant) {
        try {
            var url = LlamaFixture.class.getResource("/fixtures/llama/" + variant);
            if (url == null) {
                throw new IllegalStateException("missing test resource fixtures/llama/" + variant + "; " + REGENERATE);
            }
            Path dir = Path.of(url.toURI());
            DecoderCheckpoint checkpoint = DecoderCheckpoint.read(dir);
            Map<String, Tensor> expected = new LinkedHashMap<>();
            int[][] ids;
            int[][] greedy;
            String header;
            try (SafetensorsFile st = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
                for (var t : st.tensors()) {
                    if (t.dtype().isFloating()) {
                        expected.put(t.name(), st.toTensor(t.name()));
                    }
                }
                ids = longs(st.raw("input_ids"));
                greedy = longs(st.raw("greedy_ids"));
                header = st.metadata().toString();
            }
            return new LlamaFixture(variant, dir, checkpoint, expected, ids, greedy, header);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An I64 [rows, cols] tensor as int rows. */
    private static int[][] longs(RawTensor raw) {
        long[] shape = raw.shape();
        ByteBuffer b = ByteBuffer.wrap(raw.data()).order(ByteOrder.LITTLE_ENDIAN);
        int[][] out = new int[(int) shape[0]][(int) shape[1]];
        for (int[] row : out) {
            for (int j = 0; j < row.length; j++) {
                row[j] = Math.toIntExact(b.getLong());
            }
        }
        return out;
    }

    LlamaConfig config() {
        return (LlamaConfig) checkpoint.config();
    }

    /** The input batch, every mask entry 1 (the fixture has no padding). */
    EncoderInput input() {
        int batch = inputIds.length;
        int seq = inputIds[0].length;
        int[] flat = new int[batch * seq];
        int[] mask = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(inputIds[b], 0, flat, b * seq, seq);
        }
        java.util.Arrays.fill(mask, 1);
        return new EncoderInput(batch, seq, flat, new int[batch * seq], mask);
    }

    String what() {
        return variant + " fixture " + header + " (" + REGENERATE + ")";
    }
}
