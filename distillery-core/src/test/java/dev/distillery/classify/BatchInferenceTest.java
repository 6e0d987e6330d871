package dev.distillery.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.data.BundledData;
import dev.distillery.data.Dataset;
import dev.distillery.data.LabelMap;
import dev.distillery.data.ReadOptions;
import dev.distillery.data.TextTransform;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.testing.Synthetic;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A text's logits are the same bits whichever batch it is passed in; long passes show a progress bar where the
 * command line asks for one, and only there, and the bar does not change the logits.
 */
class BatchInferenceTest {
    @AfterEach
    void noBarForOtherTests() {
        BatchInference.showProgressOn(null);
    }

    @Test
    void aLongPassDrawsABarThatEndsAtTheRowCount() {
        SequenceClassifier model = Synthetic.model(0f, 3);
        TokenizedExamples many = Synthetic.examples("many rows", BatchInference.PROGRESS_ROWS, 4);
        float[] quiet = BatchInference.logits(model, many, 64);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BatchInference.showProgressOn(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        float[] shown = BatchInference.logits(model, many, 64);
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertArrayEquals(quiet, shown, "the bar only watches");
        assertTrue(out.contains("inference: many rows"), out);
        int rows = BatchInference.PROGRESS_ROWS;
        assertTrue(out.contains(rows + "/" + rows + " rows"), "the last line counts every row: " + out);
    }

    @Test
    void shortPassesAndSwitchedOffBarsStayQuiet() {
        SequenceClassifier model = Synthetic.model(0f, 3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BatchInference.showProgressOn(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        BatchInference.logits(model, Synthetic.examples("few rows", BatchInference.PROGRESS_ROWS - 1, 5), 64);
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));

        BatchInference.showProgressOn(null);
        BatchInference.logits(model, Synthetic.examples("many rows", BatchInference.PROGRESS_ROWS, 6), 64);
        assertEquals("", bytes.toString(StandardCharsets.UTF_8), "switched off, the old sink hears nothing");
    }

    @Test
    void aTextGetsTheSameBitsAloneAsInAnyBatch() throws Exception {
        // MiniLM at its real widths over real URLs of mixed token lengths: padding a short URL to a longer
        // neighbour's length changes attention's summation order, which a tiny model's short rows do not show
        Classifier c = Classifier.forFineTuning(Classifier.MINILM, LabelMap.of(List.of("benign", "phishing")),
                TextTransform.NONE, 64, 7);
        Dataset test = Dataset.load(BundledData.phishingUrls().test(), ReadOptions.defaults());
        List<String> texts = test.texts().subList(0, 200);
        float[] together = c.logitsOfPrepared(texts); // [texts, labels]
        for (int part : new int[] {1, 37}) {
            float[] apart = new float[together.length];
            for (int from = 0; from < texts.size(); from += part) {
                float[] some = c.logitsOfPrepared(texts.subList(from, Math.min(texts.size(), from + part)));
                System.arraycopy(some, 0, apart, from * 2, some.length);
            }
            assertArrayEquals(together, apart, "passed in groups of " + part + " instead of batches of 64");
        }
    }
}
