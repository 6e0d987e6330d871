package dev.distillery.verify;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.eval.mcq.McqEvaluation;
import dev.distillery.report.Table;
import dev.distillery.robust.QuestionRobustness;

import java.util.Locale;

/**
 * One decoder measured on multiple-choice questions: accuracy with its baselines, robustness under
 * answer-keeping edits, and what it costs to run.
 *
 * @param name            the model's folder or file name
 * @param format          where its weights came from ("hf-folder", "quantized q4_0", "llama2.c", ...)
 * @param data            the question file
 * @param evaluation      the answers
 * @param robustness      the attack, or null when not run
 * @param sizeBytes       bytes of the model's files on disk
 * @param parameters      weights and biases of the model
 * @param heapPeakBytes   heap peak from loading to the end of the run ({@link dev.distillery.eval.MemoryPeak})
 * @param processPeakRssBytes the process's peak resident set, or −1 when unknown
 * @param platform        JDK, OS and CPU
 * @param createdUtc      when it was measured
 */
public record McqReport(String name, String format, String data, McqEvaluation evaluation, QuestionRobustness robustness,
                        long sizeBytes, long parameters, long heapPeakBytes, long processPeakRssBytes, String platform,
                        String createdUtc) {
    /** The summary written as mcq.json; with {@code perQuestion} each question's answer and attack too. */
    public ObjectNode toJson(boolean perQuestion) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("model", name);
        o.put("format", format);
        o.put("data", data);
        o.set("evaluation", evaluation.toJson(perQuestion));
        if (robustness == null) {
            o.putNull("robustness");
        } else {
            o.set("robustness", robustness.toJson(perQuestion));
        }
        ObjectNode e = o.putObject("efficiency");
        e.put("tokensPerSecond", evaluation.tokensPerSecond());
        e.put("sizeBytes", sizeBytes);
        e.put("parameters", parameters);
        e.put("heapPeakBytes", heapPeakBytes);
        e.put("processPeakRssBytes", processPeakRssBytes);
        e.put("method", dev.distillery.eval.MemoryPeak.method() + "; tokens/s = prompt and answer tokens run through "
                + "the model per second of its forward passes (batch 1, KV cache; tokenizing left out)");
        o.put("platform", platform);
        o.put("createdUtc", createdUtc);
        return o;
    }

    /** The terminal table: one row with the score, its baselines and the costs. */
    public Table table() {
        McqEvaluation ev = evaluation;
        Table t = new Table("model", "questions", "shots", "accuracy", "chance", "longest option", "cut", "ASR",
                "tokens/s", "peak heap", "size");
        t.row(name, ev.questions(), ev.shots(), ev.accuracy(), ev.chance(), ev.longestOptionBaseline(),
                ev.cut() + (ev.optionsCut() > 0 ? " (" + ev.optionsCut() + " into options)" : ""),
                robustness == null ? "not run" : rate(robustness.attackSuccessRate()),
                String.format(Locale.ROOT, "%.0f", ev.tokensPerSecond()), megabytes(heapPeakBytes), megabytes(sizeBytes));
        return t;
    }

    private static String rate(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }

    static String megabytes(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
    }
}
