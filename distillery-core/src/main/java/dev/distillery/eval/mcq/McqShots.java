package dev.distillery.eval.mcq;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The solved questions a K-shot prompt starts with, drawn from a pool disjoint from the questions
 * being evaluated (by {@link McqSplit}), so that no question is its own example. The default pool,
 * {@link #bundled()}, is twelve general security questions written for Distillery (three answers on
 * each of A to D), so it shares nothing with any benchmark.
 */
public final class McqShots {
    static final String BUNDLED = "shots.jsonl";

    private McqShots() {
    }

    /** The bundled pool of twelve questions. */
    public static List<McqQuestion> bundled() {
        try (InputStream in = McqShots.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("the bundled shot pool " + BUNDLED + " is missing from the jar");
            }
            List<McqQuestion> out = new ArrayList<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            long line = 0;
            for (String text; (text = r.readLine()) != null; ) {
                line++;
                if (!text.isBlank()) {
                    out.add(McqQuestion.parse(Path.of(BUNDLED), line, text));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code k} questions of {@code pool} that {@code evaluation} does not hold, in a seeded random order.
     *
     * @throws IllegalArgumentException when the pool has fewer than {@code k} such questions
     */
    public static List<McqQuestion> draw(List<McqQuestion> pool, List<McqQuestion> evaluation, int k, long seed) {
        if (k < 0) {
            throw new IllegalArgumentException("shots must be non-negative, got " + k);
        }
        if (k == 0) {
            return List.of();
        }
        List<McqQuestion> free = new ArrayList<>(McqSplit.disjoint(pool, evaluation).train());
        if (free.size() < k) {
            throw new IllegalArgumentException(k + " shots asked, but the shot pool has only " + free.size()
                    + " questions that the evaluation set does not hold");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = free.size() - 1; i > 0; i--) { // Fisher-Yates
            int j = rng.nextInt(i + 1);
            McqQuestion t = free.get(i);
            free.set(i, free.get(j));
            free.set(j, t);
        }
        return List.copyOf(free.subList(0, k));
    }
}
