package dev.distillery.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.nn.Parameter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Predictions run on a frozen snapshot that follows training, and inference-only classifiers refuse training. */
class ClassifierInferenceTest {
    @TempDir
    Path dir;

    private static final List<String> TEXTS = List.of("https://www.paypal-login.bank.com/", "wiki.org/docs",
            "http://shop.example.net");

    private Classifier fresh() throws Exception {
        return Classifier.forFineTuning(TinyTeacher.baseModel(dir.resolve("base")).toString(),
                LabelMap.of("benign", "phishing"), TextTransform.URL_NORMALIZE, 20, 5);
    }

    @Test
    void predictionsFollowAnOptimizerStep() throws Exception {
        Classifier c = fresh();
        float[] before = c.probabilities(TEXTS);
        SequenceClassifier first = c.frozen();
        assertSame(first, c.frozen(), "an unchanged model is not frozen again");
        SequenceClassifier model = c.model();
        EncoderInput input = new EncoderInput(1, 3, new int[] {2, 20, 3}, new int[3], new int[] {1, 1, 1});
        model.backward(model.forwardTrain(input, new int[] {1}, (SplittableRandom) null));
        for (Parameter p : model.parameters()) { // Adam's first step: every weight moves by lr against its gradient's sign
            float[] w = p.data();
            float[] g = p.grad().data();
            for (int i = 0; i < w.length; i++) {
                w[i] -= 0.1f * Math.signum(g[i]);
            }
            p.touch();
        }
        float[] after = c.probabilities(TEXTS);
        assertFalse(Arrays.equals(before, after), "a training step must change the served probabilities");
        // What a fresh load of the trained weights predicts, bit for bit: the snapshot holds them all.
        c.save(dir.resolve("trained"), c.manifest());
        assertArrayEquals(Classifier.load(dir.resolve("trained")).probabilities(TEXTS), after);
    }

    @Test
    void anInferenceOnlyClassifierPredictsButCannotTrainOrSave() throws Exception {
        Classifier c = fresh();
        Classifier serving = Classifier.forInference(c.model().freeze(), c.tokenizer(), dir.resolve("vocab.txt"),
                true, c.manifest());
        assertArrayEquals(c.probabilities(TEXTS), serving.probabilities(TEXTS));
        assertTrue(serving.predict(TEXTS.get(0)).label().equals(c.predict(TEXTS.get(0)).label()));
        IllegalStateException e = assertThrows(IllegalStateException.class, serving::model);
        assertTrue(e.getMessage().contains("inference"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> serving.save(dir.resolve("x"), serving.manifest()));
    }
}
