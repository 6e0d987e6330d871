package dev.distillery.embed;

import dev.distillery.testing.SharedDatasets;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.model.EncoderInput;
import dev.distillery.model.MeanPooling;
import dev.distillery.testing.OnnxRuntimeRun;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The end-to-end proof of the ONNX import, the tokenizer and the BERT forward pass: Distillery
 * and ONNX Runtime, given the same bundled all-MiniLM-L6-v2 file, agree on real URLs.
 */
class MiniLmAgainstOnnxRuntimeTest {
    /**
     * Both engines compute in FP32 but sum in different orders and use their own exp, erf and
     * rsqrt; across 6 layers that drifts by about 1e-5 on activations of order 1. A wrong weight,
     * transposition, head split or mask moves values by 1e-2 or more.
     */
    private static final double ATOL = 1e-4;
    private static final int BATCH = 16;

    private static SentenceEncoder minilm;
    private static OnnxRuntimeRun ort;
    private static List<String> texts;

    @BeforeAll
    static void load() throws Exception {
        texts = new ArrayList<>(SharedDatasets.urls("phishing-urls/test.csv.gz").subList(0, 112));
        texts.addAll(SharedDatasets.urls("malicious-urls/test.csv.gz").subList(0, 112));
        minilm = SentenceEncoder.load(SentenceEncoder.MINILM);
        ort = new OnnxRuntimeRun(minilm.onnxModel());
    }

    @AfterAll
    static void close() throws Exception {
        ort.close();
    }

    /** Both the trainable encoder and its packed inference snapshot must agree with ONNX Runtime. */
    @ParameterizedTest(name = "frozen={0}")
    @ValueSource(booleans = {false, true})
    void lastHiddenStatesAndEmbeddingsMatch(boolean frozen) throws Exception {
        int hidden = minilm.config().hiddenSize();
        double worstHidden = 0;
        double worstEmbedding = 0;
        String worstText = "";
        int padded = 0;
        // File order mixes short and long URLs in each batch, so most rows carry padding.
        for (int from = 0; from < texts.size(); from += BATCH) {
            List<String> batch = texts.subList(from, Math.min(texts.size(), from + BATCH));
            EncoderInput input = minilm.tokenize(batch, SentenceEncoder.DEFAULT_MAX_LENGTH);
            float[] ours = frozen ? minilm.frozen().hidden(input) // [batch·seq, hidden]
                    : minilm.encoder().hidden(input);
            float[] theirs = ort.lastHidden(input); // [batch·seq, hidden]
            for (int row = 0; row < input.batch() * input.seqLen(); row++) {
                if (input.attentionMask()[row] == 0) {
                    padded++;
                    continue; // padding positions are not part of either model's contract
                }
                for (int j = 0; j < hidden; j++) {
                    double diff = Math.abs(ours[row * hidden + j] - theirs[row * hidden + j]);
                    if (diff > worstHidden) {
                        worstHidden = diff;
                        worstText = batch.get(row / input.seqLen());
                    }
                }
            }
            float[] embeddings = MeanPooling.forward(ours, input, hidden); // [batch, hidden]
            float[] reference = OnnxRuntimeRun.meanPooled(theirs, input, hidden); // [batch, hidden]
            for (int b = 0; b < batch.size(); b++) {
                SentenceEncoder.normalize(embeddings, b * hidden, hidden);
                SentenceEncoder.normalize(reference, b * hidden, hidden);
                for (int j = 0; j < hidden; j++) {
                    double diff = Math.abs(embeddings[b * hidden + j] - reference[b * hidden + j]);
                    worstEmbedding = Math.max(worstEmbedding, diff);
                }
            }
        }
        assertTrue(padded > 0, "the batches should exercise padding");
        assertTrue(worstHidden <= ATOL, "last hidden state differs from ONNX Runtime by " + worstHidden
                + " (worst on '" + worstText + "')");
        assertTrue(worstEmbedding <= ATOL, "sentence embedding differs from ONNX Runtime by " + worstEmbedding);
    }
}
