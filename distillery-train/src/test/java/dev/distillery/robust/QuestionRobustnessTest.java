package dev.distillery.robust;

import dev.distillery.eval.mcq.McqQuestion;
import dev.distillery.eval.mcq.Questions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The question attack against black-box "models" with known weaknesses: the counts and rates are
 * those of the URL attack, the budget is never exceeded, and a model that ignores every edit is
 * never flipped.
 */
class QuestionRobustnessTest {
    private static final List<McqQuestion> QUESTIONS = List.of(
            QuestionEditTest.Q,
            Questions.of("Which tool scans networks for open ports?", "A", "nmap", "grep", "tar", "gzip"),
            Questions.of("What does a certificate authority sign?", "B", "Passwords", "Certificates", "Logs"));

    /** Answers right exactly when the right option is where the file put it: any shuffle that moves it flips it. */
    private static final ToDoubleFunction<McqQuestion> POSITIONAL = q -> {
        for (McqQuestion o : QUESTIONS) {
            if (o.question().equals(q.question())) {
                return q.answer().equals(o.answer()) ? 1 : -1;
            }
        }
        return -1; // the question text changed
    };

    @Test
    void aModelThatReadsPositionsIsFlippedByShuffles() {
        QuestionAttackOptions o = QuestionAttackOptions.defaults().withFamilies(List.of(QuestionEdit.SHUFFLE_OPTIONS))
                .withQueryBudget(10);
        QuestionRobustness r = QuestionRobustness.evaluate(POSITIONAL, QUESTIONS, o, null);
        assertEquals(3, r.questions());
        assertEquals(3, r.cleanCorrect());
        assertEquals(3, r.flipped());
        assertEquals(1.0, r.attackSuccessRate());
        assertEquals(0.0, r.robustAccuracy());
        for (QuestionAttackResult a : r.results()) {
            assertTrue(a.queries() >= 2 && a.queries() <= 10, "clean query plus at least one candidate, within budget");
            assertTrue(a.adversarialMargin() < 0);
            assertEquals(List.of(QuestionEdit.SHUFFLE_OPTIONS), a.edits());
            McqQuestion adv = a.adversarial();
            McqQuestion orig = QUESTIONS.get(a.index());
            assertEquals(orig.options().get(orig.answer()), adv.options().get(adv.answer()), "the answer is kept");
        }
        assertEquals(3, (int) r.editsInSuccesses().get(QuestionEdit.SHUFFLE_OPTIONS));
        assertEquals(3, r.toJson(true).get("results").size());
        assertTrue(r.toJson(false).get("attackSuccessRate").asDouble() == 1.0);
    }

    @Test
    void aModelThatIgnoresEditsIsNeverFlippedAndSpendsItsBudget() {
        QuestionAttackOptions o = QuestionAttackOptions.defaults().withQueryBudget(17);
        QuestionRobustness r = QuestionRobustness.evaluate(q -> 0.5, QUESTIONS, o, null);
        assertEquals(0, r.flipped());
        assertEquals(0.0, r.attackSuccessRate());
        assertEquals(1.0, r.robustAccuracy());
        for (QuestionAttackResult a : r.results()) {
            assertFalse(a.success());
            assertEquals(17, a.queries(), "no edit ever lowers the margin, so the search runs to the budget");
        }
        assertEquals(17.0, r.meanQueries());
    }

    @Test
    void questionsAnsweredWronglyAreNotAttacked() {
        QuestionRobustness r = QuestionRobustness.evaluate(q -> -1, QUESTIONS, QuestionAttackOptions.defaults(), null);
        assertEquals(0, r.cleanCorrect());
        assertEquals(0.0, r.cleanAccuracy());
        assertTrue(Double.isNaN(r.attackSuccessRate()));
        assertTrue(r.toJson(false).get("attackSuccessRate").isNull());
        r.results().forEach(a -> assertEquals(1, a.queries()));
    }
}
