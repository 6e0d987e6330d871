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

    /** A recipe's teacher, then its student with the teacher as reference: the student's table holds its own epochs. */
    @Test
    void eachTrainingGetsATableOfItsOwnEpochs() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress p = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        p.epochStarted(1, 1, 1, 0, 8);
        p.epochDone(new EpochSummary(1, 0.3451, 0.2268, 0.9179, 0.9176, 0.9127, true, 244));
        p.reference("teacher", new EpochSummary(0, Double.NaN, 0.2268, 0.9179, 0.9176, 0.9127, false, 0));
        p.epochStarted(1, 1, 1, 0, 8);
        p.epochDone(new EpochSummary(1, 0.2917, 0.3293, 0.8563, 0.8557, 0.8649, true, 732));
        p.epochStarted(1, 1, 1, 0, 8); // a third training, with no reference
        p.epochDone(new EpochSummary(1, 0.5, 0.4, 0.8, 0.8, 0.8, true, 10));
        String[] tables = bytes.toString(StandardCharsets.UTF_8).split("epoch +train loss", -1);
        assertEquals(4, tables.length, String.join("|", tables));
        assertTrue(tables[2].contains("teacher") && tables[2].contains("732") && !tables[2].contains("244"), tables[2]);
        assertTrue(!tables[3].contains("teacher") && !tables[3].contains("732") && tables[3].contains("10"), tables[3]);
    }
}
