package dev.distillery.distill;

import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.tensor.Tensor;
import dev.distillery.tokenize.WordPieceTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StudentFactoryTest {
    @Test
    void spreadReproducesDistilBertAndKeepsBothEnds() {
        assertArrayEquals(new int[] {0, 2, 4, 7, 9, 11}, StudentFactory.spread(12, 6));
        assertArrayEquals(new int[] {0, 4, 7, 11}, StudentFactory.spread(12, 4));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, StudentFactory.spread(6, 6));
        assertArrayEquals(new int[] {0, 5}, StudentFactory.spread(6, 2));
        assertArrayEquals(new int[] {5}, StudentFactory.spread(6, 1));
        for (int n = 1; n <= 24; n++) {
            for (int m = 1; m <= n; m++) {
                int[] s = StudentFactory.spread(n, m);
                assertEquals(n - 1, s[m - 1], "the last teacher layer is kept");
                for (int k = 1; k < m; k++) {
                    assertTrue(s[k] > s[k - 1], "strictly increasing for " + n + " → " + m);
                }
            }
        }
        assertThrows(StudentConfigException.class, () -> StudentFactory.spread(6, 7));
        assertThrows(StudentConfigException.class, () -> StudentFactory.spread(6, 0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert", "distilbert"})
    void fromTeacherCopiesSpreadLayersAndGathersTrimmedWordRows(String family, @TempDir Path dir) throws IOException {
        WordPieceTokenizer tok = TinyUrls.tokenizer(dir);
        SequenceClassifier teacher = SequenceClassifier.create(TinyUrls.config(family, tok.vocabSize(), 16, 4, 32), 11);
        List<String> texts = List.of("kalo.com/login", "mira.net");
        VocabularyTrim trim = VocabularyTrim.fromTexts(tok, texts);
        SequenceClassifier student = StudentFactory.create(teacher, StudentSpec.layersOf(teacher.config(), 2),
                StudentInit.FROM_TEACHER, trim.keptIds(), 99);
        assertEquals(trim.size(), student.config().vocabSize());
        String layers = family.equals("bert") ? "bert.encoder.layer." : "distilbert.transformer.layer.";
        String ffn = family.equals("bert") ? ".intermediate.dense.weight" : ".ffn.lin1.weight";
        Map<String, Tensor> t = teacher.weights();
        Map<String, Tensor> s = student.weights();
        assertArrayEquals(t.get(layers + "0" + ffn).data(), s.get(layers + "0" + ffn).data());
        assertArrayEquals(t.get(layers + "3" + ffn).data(), s.get(layers + "1" + ffn).data(), "spread(4, 2) = [0, 3]");
        assertArrayEquals(t.get("classifier.weight").data(), s.get("classifier.weight").data());

        // The same depth and a trimmed vocabulary: the student is the teacher, on remapped ids.
        SequenceClassifier whole = StudentFactory.create(teacher, StudentSpec.layersOf(teacher.config(), 4),
                StudentInit.FROM_TEACHER, trim.keptIds(), 99);
        for (String text : texts) {
            int[] ids = tok.encode(text).ids();
            float[] expected = teacher.logits(single(ids));
            float[] actual = whole.logits(single(trim.tokenizer().encode(text).ids()));
            // identical weights and inputs through the same kernels
            assertClose(expected, actual, 0, 0, text);
        }
    }

    @Test
    void fromTeacherRefusesOtherWidthsAndRandomIsSeeded(@TempDir Path dir) throws IOException {
        WordPieceTokenizer tok = TinyUrls.tokenizer(dir);
        SequenceClassifier teacher = SequenceClassifier.create(TinyUrls.config("bert", tok.vocabSize(), 16, 2, 32), 1);
        StudentSpec narrow = new StudentSpec(null, 1, 8, 2, 16, 48);
        StudentConfigException e = assertThrows(StudentConfigException.class,
                () -> StudentFactory.create(teacher, narrow, StudentInit.FROM_TEACHER, null, 1));
        assertTrue(e.getMessage().contains("hidden size 8 vs 16") && e.getMessage().contains("random"), e.getMessage());
        SequenceClassifier a = StudentFactory.create(teacher, narrow, StudentInit.RANDOM, null, 5);
        SequenceClassifier b = StudentFactory.create(teacher, narrow, StudentInit.RANDOM, null, 5);
        SequenceClassifier c = StudentFactory.create(teacher, narrow, StudentInit.RANDOM, null, 6);
        ModelConfig sc = a.config();
        assertEquals(8, sc.hiddenSize());
        assertEquals(teacher.config().labels(), sc.labels());
        String w = "bert.encoder.layer.0.attention.self.query.weight";
        assertArrayEquals(a.weights().get(w).data(), b.weights().get(w).data());
        assertFalse(java.util.Arrays.equals(a.weights().get(w).data(), c.weights().get(w).data()));
        assertThrows(StudentConfigException.class, () -> StudentFactory.create(teacher,
                new StudentSpec("distilbert", 1, 16, 2, 32, 48), StudentInit.FROM_TEACHER, null, 1));
    }

    private static EncoderInput single(int[] ids) {
        int[] mask = new int[ids.length];
        java.util.Arrays.fill(mask, 1);
        return new EncoderInput(1, ids.length, ids, new int[ids.length], mask);
    }
}
