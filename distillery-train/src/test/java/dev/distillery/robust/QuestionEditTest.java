package dev.distillery.robust;

import dev.distillery.eval.mcq.McqQuestion;
import dev.distillery.eval.mcq.Questions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every question edit keeps the answer: the right option's text is still the right answer, the
 * options are still the same set, and the question still reads as itself.
 */
class QuestionEditTest {
    static final McqQuestion Q = Questions.of("Which protocol encrypts web traffic between browser and server?", "C",
            "HTTP", "FTP", "TLS", "Telnet");

    @Test
    void everyEditKeepsTheAnswerText() {
        for (QuestionEdit e : QuestionEdit.values()) {
            SplittableRandom rng = new SplittableRandom(11);
            for (int i = 0; i < 200; i++) {
                McqQuestion edited = e.apply(Q, rng);
                assertEquals("TLS", edited.options().get(edited.answer()), e.name());
                assertEquals(Q.letters(), edited.letters(), e.name());
                assertEquals(new TreeSet<>(Q.options().values()), new TreeSet<>(edited.options().values()), e.name());
            }
        }
    }

    @Test
    void shuffleMovesOptionsAndTheAnswerWithThem() {
        SplittableRandom rng = new SplittableRandom(3);
        Set<String> answers = new TreeSet<>();
        for (int i = 0; i < 100; i++) {
            McqQuestion s = QuestionEdit.SHUFFLE_OPTIONS.apply(Q, rng);
            assertEquals(Q.question(), s.question());
            answers.add(s.answer());
        }
        assertEquals(Set.of("A", "B", "C", "D"), answers);
    }

    @Test
    void typosChangeOneInnerLetterOfALongWord() {
        SplittableRandom rng = new SplittableRandom(5);
        int changed = 0;
        for (int i = 0; i < 200; i++) {
            McqQuestion t = QuestionEdit.QUESTION_TYPO.apply(Q, rng);
            assertEquals(Q.options(), t.options());
            String a = Q.question();
            String b = t.question();
            assertTrue(Math.abs(a.length() - b.length()) <= 1, b);
            assertEquals(a.charAt(0), b.charAt(0));
            assertEquals(a.split(" ").length, b.split(" ").length, "words stay words");
            assertEquals('?', b.charAt(b.length() - 1));
            changed += a.equals(b) ? 0 : 1;
        }
        assertTrue(changed > 150, "most typos change the text (a swap of equal letters does not): " + changed);
        McqQuestion shortWords = Questions.of("Is it on?", "A", "yes", "no");
        assertEquals(shortWords, QuestionEdit.QUESTION_TYPO.apply(shortWords, new SplittableRandom(1)));
    }

    @Test
    void distractorsAndRephrasingsKeepTheQuestionWhole() {
        SplittableRandom rng = new SplittableRandom(9);
        for (int i = 0; i < 50; i++) {
            for (QuestionEdit e : List.of(QuestionEdit.DISTRACTOR_SENTENCE, QuestionEdit.REPHRASE_TEMPLATE)) {
                McqQuestion d = e.apply(Q, rng);
                assertTrue(d.question().contains(Q.question()), d.question());
                assertNotEquals(Q.question(), d.question());
                assertEquals(Q.options(), d.options());
            }
        }
    }

    @Test
    void proposalsAreDistinctUnseenAndSeededByTheQuestion() {
        QuestionEdits a = new QuestionEdits(Q, List.of(QuestionEdit.values()), 1);
        List<McqQuestion> first = a.next(Q, 8);
        assertEquals(8, first.size());
        assertEquals(8, Set.copyOf(first).size());
        List<McqQuestion> again = new ArrayList<>(new QuestionEdits(Q, List.of(QuestionEdit.values()), 1).next(Q, 8));
        assertEquals(first, again);
        assertTrue(a.next(Q, 8).stream().noneMatch(first::contains));
    }
}
