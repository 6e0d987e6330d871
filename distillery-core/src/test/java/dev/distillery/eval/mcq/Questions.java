package dev.distillery.eval.mcq;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small hand-written questions for tests (options lettered A, B, ... in order). */
public final class Questions {
    public static final McqQuestion PORT = of("Which port does SSH use?", "A", "22", "23", "80", "443");
    public static final McqQuestion HASH = of("Which is a hash?", "B", "AES", "SHA-256");

    private Questions() {
    }

    public static McqQuestion of(String question, String answer, String... options) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < options.length; i++) {
            m.put(String.valueOf((char) ('A' + i)), options[i]);
        }
        return new McqQuestion(question, m, answer);
    }

    public static List<String> texts(McqQuestion q) {
        return List.copyOf(q.options().values());
    }
}
