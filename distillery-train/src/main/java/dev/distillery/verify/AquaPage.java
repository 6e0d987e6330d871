package dev.distillery.verify;

import dev.distillery.report.Charts;
import dev.distillery.report.Html;
import dev.distillery.robust.QuestionRobustness;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * aqua.html: the AQUA-LLM study on one self-contained page (inline CSS and SVG, no scripts), the
 * five configurations as one table and one chart, and the two fine-tunings' costs, in the style of report.html.
 */
final class AquaPage {
    private AquaPage() {
    }

    static String render(AquaStudy.Result r, AquaStudy.Options o) {
        StringBuilder h = new StringBuilder(16_000);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<link rel=\"icon\" href=\"data:,\">")
                .append("<title>AQUA-LLM study</title><style>").append(HtmlPage.CSS).append("</style></head><body><main>\n");
        McqReport first = r.rows().getFirst().report();
        h.append("<h1>AQUA-LLM study</h1>\n<p class=\"meta\">Model <code>").append(e(o.model().toString()))
                .append("</code>, questions <code>").append(e(o.data().toString())).append("</code> (")
                .append(first.evaluation().questions()).append(" scored, ").append(o.shots()).append("-shot). Measured ")
                .append(e(first.createdUtc())).append(" on ").append(e(first.platform())).append(".</p>\n");
        String attacked = first.robustness() == null ? "" : " (first " + first.robustness().questions() + ")";
        h.append("<h2>Accuracy, robustness and efficiency</h2>\n<div class=\"scroll\"><table><tr><th class=\"t\">configuration</th>")
                .append("<th>accuracy</th><th>chance</th><th>longest option</th><th>robust accuracy").append(attacked)
                .append("</th><th>attack success</th>")
                .append("<th>mean queries</th><th>tokens/s</th><th>peak heap</th><th>size on disk</th></tr>\n");
        List<String> names = new ArrayList<>();
        double[] accuracy = new double[r.rows().size()];
        double[] robust = new double[r.rows().size()];
        double[] asr = new double[r.rows().size()];
        for (int i = 0; i < r.rows().size(); i++) {
            AquaStudy.Row row = r.rows().get(i);
            McqReport m = row.report();
            QuestionRobustness rob = m.robustness();
            names.add(row.configuration());
            accuracy[i] = m.evaluation().accuracy();
            robust[i] = rob == null ? Double.NaN : rob.robustAccuracy();
            asr[i] = rob == null ? Double.NaN : rob.attackSuccessRate();
            h.append("<tr><td class=\"t\">").append(e(row.configuration())).append("</td><td>")
                    .append(AquaStudy.f(accuracy[i])).append("</td><td>").append(AquaStudy.f(m.evaluation().chance()))
                    .append("</td><td>").append(AquaStudy.f(m.evaluation().longestOptionBaseline())).append("</td><td>")
                    .append(rob == null ? "not run" : AquaStudy.f(robust[i])).append("</td><td>")
                    .append(rob == null ? "not run" : AquaStudy.f(asr[i])).append("</td><td>")
                    .append(rob == null ? "-" : String.format(Locale.ROOT, "%.1f of %d", rob.meanQueries(),
                            rob.options().queryBudget()))
                    .append("</td><td>").append(String.format(Locale.ROOT, "%.0f", m.evaluation().tokensPerSecond()))
                    .append("</td><td>").append(HtmlPage.bytes(m.heapPeakBytes())).append("</td><td>")
                    .append(HtmlPage.bytes(m.sizeBytes())).append("</td></tr>\n");
        }
        h.append("</table></div>\n");
        String svg = Charts.groupedBars("Accuracy by configuration", "accuracy", names, List.of(
                new Charts.Series("accuracy", Charts.PALETTE.get(0), accuracy),
                new Charts.Series("robust accuracy", Charts.PALETTE.get(1), robust),
                new Charts.Series("attack success rate", Charts.PALETTE.get(2), asr)));
        h.append("<div class=\"charts\"><figure class=\"chart\">").append(svg).append("<figcaption>")
                .append(e(String.format(Locale.ROOT, "Accuracy on the clean questions, accuracy left after the attack "
                        + "(shuffled options, typos, a distractor sentence, rephrasings; answer kept) on the questions "
                        + "attacked%s, and the share of correctly answered ones the attack flipped. Chance is %.2f.",
                        attacked, first.evaluation().chance()))).append("</figcaption></figure></div>\n");
        h.append("<h2>Fine-tuning</h2>\n<p>").append(e(r.splitDescription())).append(".</p>\n<p>")
                .append(e(String.format(Locale.ROOT, "Full fine-tuning of every weight on the causal-LM loss over the %d "
                                + "training questions written as the evaluation prompt with their answer letter: %d "
                                + "optimizer steps, %.3f s/step, mean loss by epoch %s.", r.split().train().size(),
                        r.finetune().steps(), r.finetune().secondsPerStep(), losses(r.finetune().epochLosses()))))
                .append("</p>\n<p>").append(e(String.format(Locale.ROOT, "QLoRA: LoRA adapters of rank %d (alpha %s) on "
                                + "%s, trained on the same texts through the frozen base packed in %s, at a peak learning "
                                + "rate of %s; scored with the adapter applied on that packed base.",
                        r.qloraOptions().rank(), r.qloraOptions().alpha(), String.join(", ", r.qloraOptions().targets()),
                        r.qloraOptions().baseScheme().id(), r.qloraOptions().train().learningRate())))
                .append("</p>\n<div class=\"scroll\"><table><tr><th class=\"t\">fine-tuning</th><th>trainable parameters")
                .append("</th><th>of all</th><th>optimizer steps</th><th>s/step</th><th>peak heap while training</th>")
                .append("<th>last epoch loss</th></tr>\n");
        long all = first.parameters();
        for (var f : List.of(Map.entry("full", r.finetune()), Map.entry(r.qloraName(), r.qlora()))) {
            AquaStudy.Finetune t = f.getValue();
            h.append("<tr><td class=\"t\">").append(e(f.getKey())).append("</td><td>").append(t.trainable())
                    .append("</td><td>").append(String.format(Locale.ROOT, "%.2f %%", 100.0 * t.trainable() / all))
                    .append("</td><td>").append(t.steps()).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.3f", t.secondsPerStep())).append("</td><td>")
                    .append(HtmlPage.bytes(t.heapPeakBytes())).append("</td><td>")
                    .append(t.epochLosses().isEmpty() ? "-" : String.format(Locale.ROOT, "%.4f", t.epochLosses().getLast()))
                    .append("</td></tr>\n");
        }
        h.append("</table></div>\n<p class=\"meta\">Tokens/s counts prompt and answer tokens through the model's forward ")
                .append("passes (batch 1, KV cache); peak heap is measured from loading the model to the end of its run, and for a ")
                .append("fine-tuning from its start to its end (garbage included, an upper bound). ")
                .append("Figures from a busy machine are noisy; compare configurations measured in the same run.</p>\n");
        h.append("</main></body></html>\n");
        return h.toString();
    }

    private static String losses(List<Double> l) {
        StringBuilder s = new StringBuilder();
        for (double v : l) {
            s.append(s.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", v));
        }
        return s.toString();
    }

    private static String e(String s) {
        return Html.escape(s);
    }
}
