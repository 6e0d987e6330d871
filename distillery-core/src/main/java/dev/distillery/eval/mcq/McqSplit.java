package dev.distillery.eval.mcq;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Questions to fine-tune on that the evaluation never sees: a pool with every question whose text
 * is also in the evaluation set removed, then deduplicated, both compared by {@link #key}
 * (whitespace collapsed, case folded), keeping the first of duplicates in pool order. CyberMetric's
 * sets overlap (all 80 questions of the 80-set are in the 500-set; the 2000-set shares 130 with the
 * 500-set), which is why a split by file alone would leak answers into training.
 * <pre>{@code
 * McqSplit s = McqSplit.disjoint(McqQuestion.read(pool), McqQuestion.read(evaluation));
 * s.train().size();  // 2000 − 130 overlapping − duplicates within the pool
 * }</pre>
 *
 * @param train       the pool's questions absent from the evaluation set, each text once
 * @param pool        questions in the pool
 * @param overlapping pool questions dropped because the evaluation set has their text
 * @param duplicates  pool questions dropped because an earlier pool question had their text
 */
public record McqSplit(List<McqQuestion> train, int pool, int overlapping, int duplicates) {
    public McqSplit {
        train = List.copyOf(train);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A question's text as deduplication compares it: whitespace runs collapsed, case folded. */
    public static String key(McqQuestion q) {
        return q.question().strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    public static McqSplit disjoint(List<McqQuestion> pool, List<McqQuestion> evaluation) {
        Set<String> held = new HashSet<>();
        for (McqQuestion q : evaluation) {
            held.add(key(q));
        }
        Set<String> seen = new HashSet<>();
        List<McqQuestion> train = new ArrayList<>();
        int overlapping = 0;
        int duplicates = 0;
        for (McqQuestion q : pool) {
            String k = key(q);
            if (held.contains(k)) {
                overlapping++;
            } else if (!seen.add(k)) {
                duplicates++;
            } else {
                train.add(q);
            }
        }
        return new McqSplit(train, pool.size(), overlapping, duplicates);
    }

    /** One sentence saying how the split was made, for logs and reports. */
    public String describe(String poolName, String evaluationName) {
        return String.format(Locale.ROOT, "%d of the %d questions of %s: %d dropped because %s has their text, "
                        + "%d dropped as repeats within the pool (questions compared with whitespace collapsed and case folded)",
                train.size(), pool, poolName, overlapping, evaluationName, duplicates);
    }

    /** Writes questions as the JSON lines {@link McqQuestion#read} reads, atomically: a split for {@code finetune}. */
    public static void write(Collection<McqQuestion> questions, Path file) throws IOException {
        StringBuilder b = new StringBuilder();
        for (McqQuestion q : questions) {
            ObjectNode o = JSON.createObjectNode();
            o.put("question", q.question());
            ObjectNode opts = o.putObject("options");
            q.options().forEach(opts::put);
            o.put("answer", q.answer());
            b.append(JSON.writeValueAsString(o)).append('\n');
        }
        AtomicFiles.writeString(file, b.toString());
    }
}
