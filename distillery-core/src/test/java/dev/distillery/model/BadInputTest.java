package dev.distillery.model;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Input a model cannot take is refused with a sentence naming what was wrong. */
class BadInputTest {
    private final SequenceClassifier model = SequenceClassifier.create(TinyModels.config("bert", 0.1f), 1);

    @Test
    void tokenIdOutsideTheVocabulary() {
        EncoderInput input = TinyModels.batch(4, new int[] {2, 30, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.logits(input));
        assertEquals("id 30 at flat index 1 of the batch is outside bert.embeddings.word_embeddings.weight with 30 rows", e.getMessage());
    }

    @Test
    void sequenceLongerThanThePositionTable() {
        EncoderInput input = TinyModels.batch(17, new int[] {2, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.logits(input));
        assertEquals("sequence length 17 exceeds the model's 16 positions", e.getMessage());
    }

    @Test
    void labelsThatDoNotFitTheBatchOrTheClasses() {
        EncoderInput input = TinyModels.sample(7);
        SplittableRandom rng = new SplittableRandom(1);
        assertEquals("2 labels for a batch of 3", assertThrows(IllegalArgumentException.class,
                () -> model.forwardTrain(input, new int[] {0, 1}, rng)).getMessage());
        assertEquals("label 3 of example 1 is outside [0, 3)", assertThrows(IllegalArgumentException.class,
                () -> model.forwardTrain(input, new int[] {0, 3, 1}, rng)).getMessage());
    }

    @Test
    void aClassifierNeedsLabels() {
        EncoderConfig headless = TinyModels.config("distilbert", 0.1f).withLabels(java.util.List.of());
        assertThrows(IllegalArgumentException.class, () -> SequenceClassifier.create(headless, 1));
    }
}
