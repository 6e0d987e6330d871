package dev.distillery.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.io.Checkpoint;
import dev.distillery.model.EncoderInput;
import dev.distillery.onnx.ImportedEncoder;
import dev.distillery.onnx.MiniLm;
import dev.distillery.testing.Numerics;
import dev.distillery.testing.OnnxRuntimeRun;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SentenceEncoderTest {
    private static SentenceEncoder minilm;

    @BeforeAll
    static void load() throws Exception {
        minilm = SentenceEncoder.load(SentenceEncoder.MINILM);
    }

    @Test
    void checkpointFolderOfTheSameWeightsEmbedsIdentically(@TempDir Path dir) throws Exception {
        ImportedEncoder imported = MiniLm.load();
        Path tokenizerJson = dir.resolve("source-tokenizer.json");
        try (InputStream in = MiniLm.open(MiniLm.TOKENIZER_RESOURCE)) {
            Files.copy(in, tokenizerJson);
        }
        Path folder = dir.resolve("minilm-hf");
        Checkpoint.write(folder, imported.config(), imported.weights(), tokenizerJson);

        SentenceEncoder reloaded = SentenceEncoder.load(folder.toString());

        for (var e : minilm.encoder().weights().entrySet()) {
            assertArrayEquals(e.getValue().data(), reloaded.encoder().weights().get(e.getKey()).data(), e.getKey());
        }
        List<String> texts = List.of("http://login.bank.example/verify", "https://example.org/", "Ordinary prose, too.");
        // Same weights and tokenizer; the Vector API may reduce lanes in another order once the
        // JIT has compiled a kernel, so allow a few ulps rather than demanding identical bits.
        Numerics.assertClose(minilm.embed(texts), reloaded.embed(texts), 1e-5, 1e-6, "embeddings");
        // The folder has no ONNX file of its own: ONNX Runtime runs its export, which must agree with the bundled file.
        EncoderInput input = minilm.tokenize(texts, 64);
        int h = minilm.config().hiddenSize();
        try (OnnxRuntimeRun bundled = new OnnxRuntimeRun(minilm.onnxModel());
             OnnxRuntimeRun exported = new OnnxRuntimeRun(reloaded.onnxModel())) {
            Numerics.assertClose(OnnxRuntimeRun.meanPooled(bundled.lastHidden(input), input, h),
                    OnnxRuntimeRun.meanPooled(exported.lastHidden(input), input, h), 1e-4, 1e-5,
                    "ONNX Runtime on the bundled file and on the folder's export");
        }
    }

    @Test
    void embeddingsComeBackInInputOrderWithUnitLength() {
        List<String> texts = List.of("a much longer text that sorts last when batching by length", "short",
                "mid-length text here");
        int h = minilm.config().hiddenSize();
        float[] together = minilm.embed(texts, 64, 2);
        for (int i = 0; i < texts.size(); i++) {
            float[] alone = minilm.embed(List.of(texts.get(i)));
            float[] row = java.util.Arrays.copyOfRange(together, i * h, (i + 1) * h);
            // Batched with padding versus alone: summation order only.
            Numerics.assertClose(alone, row, 1e-5, 1e-5, "text " + i);
            double norm = 0;
            for (float v : row) {
                norm += v * (double) v;
            }
            assertEquals(1.0, norm, 1e-5);
        }
    }

    @Test
    void tokenizeExactlyCutsAndPadsToTheLength() {
        String longText = "word ".repeat(100);
        EncoderInput in = minilm.tokenizeExactly(List.of(longText, "hi"), 16);
        assertEquals(2, in.batch());
        assertEquals(16, in.seqLen());
        assertEquals(16, in.length(0));
        assertEquals(minilm.tokenizer().sepId(), in.inputIds()[15]);
        assertEquals(3, in.length(1)); // [CLS] hi [SEP]
        for (int t = 3; t < 16; t++) {
            assertEquals(minilm.tokenizer().padId(), in.inputIds()[16 + t]);
            assertEquals(0, in.attentionMask()[16 + t]);
        }
    }

    @Test
    void normalizeLeavesZeroVectorsZero() {
        float[] x = {0, 0, 3, 4};
        SentenceEncoder.normalize(x, 0, 2);
        SentenceEncoder.normalize(x, 2, 2);
        assertArrayEquals(new float[] {0, 0, 0.6f, 0.8f}, x);
    }

    @Test
    void missingModelFolderIsNamed() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> SentenceEncoder.load("no/such/dir"));
        assertTrue(e.getMessage().contains("no/such/dir"), e.getMessage());
    }
}
