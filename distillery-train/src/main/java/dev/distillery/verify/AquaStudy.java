package dev.distillery.verify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.distill.DecoderDistiller;
import dev.distillery.distill.DecoderStudents;
import dev.distillery.distill.TokenDistillationLoss;
import dev.distillery.eval.mcq.McqPrompt;
import dev.distillery.eval.mcq.McqQuestion;
import dev.distillery.eval.mcq.McqSplit;
import dev.distillery.generate.LanguageModel;
import dev.distillery.io.AtomicFiles;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DType;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.HfConfig;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.ModelConfig;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedDecoder;
import dev.distillery.report.Table;
import dev.distillery.robust.QuestionAttackOptions;
import dev.distillery.tensor.Tensor;
import dev.distillery.train.TrainOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The AQUA-LLM study: one decoder measured on multiple-choice questions in four configurations,
 * base, quantized, fine-tuned and fine-tuned then quantized, each for accuracy (zero- or K-shot
 * option log-likelihood, {@link McqVerification}), robustness (attack success rate under
 * answer-keeping edits) and efficiency (tokens/s, peak heap, size on disk), written as
 * {@value #JSON} and one page {@value #HTML} with the table and a chart.
 *
 * <p>Fine-tuning here is full fine-tuning of every weight on the causal-LM loss (next-token
 * cross-entropy over the whole text) of the training questions written as the evaluation prompt
 * with their answer letter, run by {@link DecoderDistiller} with the distillation weight at zero.
 * The training questions are the pool's questions whose text the evaluation set does not hold,
 * deduplicated by text ({@link McqSplit}). QLoRA (fine-tuning adapters through the 4-bit base) is
 * not one of the configurations: {@code finetune --lora} is not part of this build, and the page
 * says so.
 */
public final class AquaStudy {
    public static final String JSON = "aqua.json";
    public static final String HTML = "aqua.html";
    public static final String TRAIN_SPLIT = "finetune-train.jsonl";
    static final String QLORA_MISSING = "QLoRA (adapters trained through the 4-bit base) is not measured: LoRA "
            + "fine-tuning (finetune --lora) is not part of this build";

    /**
     * @param model          the base decoder: a Hugging Face folder or a llama2.c checkpoint
     * @param data           the evaluation questions
     * @param pool           questions to fine-tune on, once the evaluation's are removed
     * @param scheme         the quantization of the quantized configurations
     * @param limit          questions scored, from the start of {@code data}; 0 for all
     * @param attackQuestions questions attacked, from the start; 0 for none
     * @param train          fine-tuning epochs, batch, learning rate, seed
     * @param maxLength      tokens per fine-tuning text at most
     */
    public record Options(Path model, Path data, Path pool, QuantScheme scheme, String subject, int shots, int limit,
                          int attackQuestions, int attackBudget, TrainOptions train, int maxLength, Path out,
                          boolean resume) {
    }

    /** One configuration's measurements. */
    public record Row(String configuration, Path folder, McqReport report) {
    }

    /** What fine-tuning did: sequences (windows) trained on, optimizer steps, seconds per step, mean loss by epoch. */
    public record Finetune(int sequences, long steps, double secondsPerStep, List<Double> epochLosses) {
        public Finetune {
            epochLosses = List.copyOf(epochLosses);
        }
    }

    public record Result(List<Row> rows, McqSplit split, String splitDescription, Finetune finetune) {
        /** The terminal table: accuracy, robustness and efficiency of each configuration. */
        public Table table() {
            Table t = new Table("configuration", "questions", "accuracy", "chance", "robust acc", "ASR", "mean queries",
                    "tokens/s", "peak heap", "size");
            for (Row r : rows) {
                McqReport m = r.report();
                var rob = m.robustness();
                t.row(r.configuration(), m.evaluation().questions(), f(m.evaluation().accuracy()),
                        f(m.evaluation().chance()), rob == null ? "-" : f(rob.robustAccuracy()),
                        rob == null ? "-" : f(rob.attackSuccessRate()),
                        rob == null ? "-" : String.format(Locale.ROOT, "%.1f", rob.meanQueries()),
                        String.format(Locale.ROOT, "%.0f", m.evaluation().tokensPerSecond()),
                        McqReport.megabytes(m.heapPeakBytes()), McqReport.megabytes(m.sizeBytes()));
            }
            return t;
        }

        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("split", splitDescription);
            o.put("trainQuestions", split.train().size());
            ObjectNode ft = o.putObject("finetune");
            ft.put("method", "full fine-tuning of every weight on the causal-LM loss over the training questions written "
                    + "as the evaluation prompt with their answer letter");
            ft.put("sequences", finetune.sequences());
            ft.put("steps", finetune.steps());
            ft.put("secondsPerStep", finetune.secondsPerStep());
            ArrayNode losses = ft.putArray("epochLosses");
            finetune.epochLosses().forEach(losses::add);
            o.put("qlora", QLORA_MISSING);
            ArrayNode configs = o.putArray("configurations");
            for (Row r : rows) {
                ObjectNode c = configs.addObject();
                c.put("configuration", r.configuration());
                c.put("folder", r.folder().toString());
                c.set("mcq", r.report().toJson(false));
            }
            return o;
        }
    }

    private AquaStudy() {
    }

    /** @param log progress bars and notes */
    public static Result run(Options o, PrintStream log) throws IOException {
        List<McqQuestion> evaluation = McqQuestion.read(o.data());
        McqSplit split = McqSplit.disjoint(McqQuestion.read(o.pool()), evaluation);
        String described = split.describe(o.pool().getFileName().toString(), o.data().getFileName().toString());
        if (split.train().isEmpty()) {
            throw new CheckpointFormatException(o.pool() + " has no question absent from " + o.data() + " to fine-tune on");
        }
        Files.createDirectories(o.out());
        McqSplit.write(split.train(), o.out().resolve(TRAIN_SPLIT));
        log.println("fine-tuning questions: " + described);

        String scheme = o.scheme().id();
        Path quantized = o.out().resolve("base-" + scheme);
        Path finetuned = o.out().resolve("finetuned");
        Path finetunedQuantized = o.out().resolve("finetuned-" + scheme);
        // the models are built first and only their folders kept, so no weights of this step are live while each
        // configuration's peak heap is measured
        Finetune ft = build(o, split.train(), quantized, finetuned, finetunedQuantized, log);

        List<Row> rows = new ArrayList<>();
        String[][] configs = {{"base", o.model().toString()}, {scheme, quantized.toString()},
                {"fine-tuned", finetuned.toString()}, {"fine-tuned " + scheme, finetunedQuantized.toString()}};
        for (String[] c : configs) {
            log.println("scoring " + c[0] + " (" + c[1] + ")");
            McqOptions mcq = McqOptions.of(Path.of(c[1]), o.data()).withSubject(o.subject()).withShots(o.shots(), o.pool())
                    .withSeed(o.train().seed()).withLimit(o.limit())
                    .withAttack(o.attackQuestions() == 0 ? null : QuestionAttackOptions.defaults()
                            .withQueryBudget(o.attackBudget()).withSeed(o.train().seed()), o.attackQuestions());
            McqReport r = McqVerification.run(mcq, log);
            rows.add(new Row(c[0], Path.of(c[1]), r));
            AtomicFiles.writeString(o.out().resolve("mcq-" + c[0].replace(' ', '-') + ".json"),
                    HfConfig.pretty(r.toJson(true)));
        }
        Result result = new Result(rows, split, described, ft);
        AtomicFiles.writeString(o.out().resolve(JSON), HfConfig.pretty(result.toJson()));
        AtomicFiles.writeString(o.out().resolve(HTML), AquaPage.render(result, o));
        return result;
    }

    /** Writes the quantized base, the fine-tuned model and the fine-tuned model quantized. */
    private static Finetune build(Options o, List<McqQuestion> train, Path quantized, Path finetuned,
                                  Path finetunedQuantized, PrintStream log) throws IOException {
        DecoderCheckpoint base = DecoderCheckpoint.load(o.model());
        Path tokenizerDir = base.tokenizerDir();
        ModelConfig config = base.config();
        QuantizedDecoder.quantize(config, base.weights(), o.scheme()).write(quantized, tokenizerDir);
        DecoderDistiller.Result ft = finetune(o, base, train, log);
        Map<String, Tensor> tuned = ft.student().weights();
        DecoderCheckpoint.write(finetuned, config, tuned, tokenizerDir, DType.F32);
        QuantizedDecoder.quantize(config, tuned, o.scheme()).write(finetunedQuantized, tokenizerDir);
        return new Finetune(ft.trainSequences(), ft.steps(), ft.secondsPerStep(), ft.epochLosses());
    }

    /** Every weight of the base trained on the causal-LM loss of the training questions with their answers. */
    private static DecoderDistiller.Result finetune(Options o, DecoderCheckpoint base, List<McqQuestion> train,
                                                    PrintStream log) throws IOException {
        McqPrompt prompt = new McqPrompt(o.subject());
        List<String> texts = new ArrayList<>(train.size());
        for (McqQuestion q : train) {
            texts.add(prompt.header() + McqPrompt.body(q) + McqPrompt.continuation(q.answer()));
        }
        ModelConfig config = base.config();
        int[] all = new int[config.numLayers()];
        java.util.Arrays.setAll(all, i -> i);
        CausalLanguageModel student = DecoderStudents.fromTeacher(config, base.weights(), all, 0, o.train().seed());
        LanguageModel frozen = LanguageModel.load(o.model());
        // α = 0: the next-token cross-entropy alone; the frozen base is never read (no held-out texts)
        DecoderDistiller.Options options = new DecoderDistiller.Options(new TokenDistillationLoss(1, 1, 0), o.maxLength(),
                0, 1, 1f, o.train());
        return new DecoderDistiller(frozen.model(), frozen.tokenizer(), frozen.stopIds(), options)
                .checkpointDir(o.out().resolve(".checkpoints")).resume(o.resume()
                        && Files.isRegularFile(o.out().resolve(".checkpoints").resolve(DecoderDistiller.LAST)))
                .log(log).distill(student, texts, List.of());
    }

    static String f(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }
}
