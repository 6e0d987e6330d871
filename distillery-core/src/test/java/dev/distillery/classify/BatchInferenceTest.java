package dev.distillery.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.testing.Synthetic;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Long passes show a progress bar where the command line asks for one, and only there; the logits do not change. */
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
}
