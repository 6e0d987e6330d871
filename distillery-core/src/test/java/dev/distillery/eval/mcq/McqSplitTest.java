package dev.distillery.eval.mcq;

import dev.distillery.testing.SharedDatasets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fine-tuning split and the shot draw keep evaluation questions out, compared by text; on the
 * real CyberMetric sets (read from the shared folder, never copied) the overlaps are those of their
 * README.
 */
class McqSplitTest {
    private static McqQuestion q(String text) {
        return Questions.of(text, "A", "yes", "no");
    }

    @Test
    void dropsEvaluationQuestionsAndRepeatsComparedByText() {
        List<McqQuestion> pool = List.of(q("What is XSS?"), q("what  is xss?"), q("What is CSRF?"), q("What is CSRF? "),
                q("What is a nonce?"));
        McqSplit s = McqSplit.disjoint(pool, List.of(q("WHAT IS XSS?")));
        assertEquals(List.of(q("What is CSRF?"), q("What is a nonce?")), s.train());
        assertEquals(5, s.pool());
        assertEquals(2, s.overlapping());
        assertEquals(1, s.duplicates());
        assertTrue(s.describe("pool.jsonl", "eval.jsonl").startsWith("2 of the 5 questions of pool.jsonl: 2 dropped"));
    }

    @Test
    void shotsComeFromOutsideTheEvaluationSetAndAreSeeded() {
        List<McqQuestion> pool = McqShots.bundled();
        assertEquals(12, pool.size());
        List<McqQuestion> held = pool.subList(0, 4);
        List<McqQuestion> shots = McqShots.draw(pool, held, 8, 7);
        assertEquals(8, shots.size());
        assertTrue(shots.stream().noneMatch(held::contains));
        assertEquals(shots, McqShots.draw(pool, held, 8, 7));
        assertFalse(shots.equals(McqShots.draw(pool, held, 8, 8)));
        assertEquals(List.of(), McqShots.draw(pool, held, 0, 7));
        assertThrows(IllegalArgumentException.class, () -> McqShots.draw(pool, held, 9, 7));
        long[] letters = new long[4];
        pool.forEach(x -> letters[x.answer().charAt(0) - 'A']++);
        assertArrayEquals(new long[] {3, 3, 3, 3}, letters, "the bundled pool's answers are balanced");
    }

    @Test
    void writtenSplitsReadBackEqual(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("train.jsonl");
        McqSplit.write(McqShots.bundled(), f);
        assertEquals(McqShots.bundled(), McqQuestion.read(f));
    }

    @Test
    void cyberMetricSetsOverlapAsTheirReadmeSays() throws Exception {
        Path dir = SharedDatasets.root().resolve("cyber-mcq");
        List<McqQuestion> q80 = McqQuestion.read(dir.resolve("cybermetric-80.jsonl"));
        List<McqQuestion> q500 = McqQuestion.read(dir.resolve("cybermetric-500.jsonl"));
        List<McqQuestion> q2000 = McqQuestion.read(dir.resolve("cybermetric-2000.jsonl"));
        assertEquals(80, q80.size());
        assertEquals(500, q500.size());
        assertEquals(2000, q2000.size());
        assertEquals(80, McqSplit.disjoint(q80, q500).overlapping());
        McqSplit train = McqSplit.disjoint(q2000, q500);
        assertEquals(130, train.overlapping());
        assertEquals(2000, train.train().size() + train.overlapping() + train.duplicates());
        Set<String> held = new HashSet<>();
        q500.forEach(x -> held.add(McqSplit.key(x)));
        assertTrue(train.train().stream().noneMatch(x -> held.contains(McqSplit.key(x))));
        // the README's longest-option baselines, computed the same way
        assertEquals(0.3625, longest(q80), 1e-12);
        assertEquals(0.4120, longest(q500), 1e-12);
        assertEquals(0.4065, longest(q2000), 1e-12);
    }

    private static double longest(List<McqQuestion> qs) {
        return qs.stream().filter(x -> McqEvaluation.longestOption(x).equals(x.answer())).count() / (double) qs.size();
    }
}
