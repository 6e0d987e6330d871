package dev.distillery.train;

import dev.distillery.model.TokenizedExamples;
import dev.distillery.testing.Synthetic;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleProgressTest {
    @Test
    void showsAFinishedBarAndTheEpochTableAfterEachEpoch() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        TokenizedExamples train = Synthetic.examples("train", 20, 1);
        TokenizedExamples validation = Synthetic.examples("validation", 10, 2);
        TrainOptions o = new TrainOptions(2, 8, 1, 1e-3, 0.0, 0.0, 1.0, 1, 0, 0, 1, 8);
        new Trainer(Synthetic.model(0.1f, 1), train, validation, o, LossFunction.crossEntropy(null))
                .listener(new ConsoleProgress(out)).fit();
        String s = bytes.toString(StandardCharsets.UTF_8);
        // tests run without a terminal, so bars are plain lines: each epoch ends with a full one
        assertTrue(s.contains("epoch 1/2 [========================] 100%  20/20 ex"), s);
        assertTrue(s.contains("epoch 2/2 [========================] 100%  20/20 ex"), s);
        assertTrue(s.contains("loss "), s);
        assertEquals(2, s.split("epoch  train loss", -1).length - 1, "one table per epoch:\n" + s);
        assertTrue(s.lines().anyMatch(l -> l.matches("\\s+2\\s+\\d\\.\\d{4}\\s+.*\\s+6")), s);
    }
}
