package dev.distillery.verify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.data.TextCorpus;
import dev.distillery.distill.DecoderDistiller;
import dev.distillery.distill.DecoderStudents;
import dev.distillery.distill.TokenDistillationLoss;
import dev.distillery.eval.MemoryPeak;
import dev.distillery.eval.mcq.McqPrompt;
import dev.distillery.eval.mcq.McqQuestion;
import dev.distillery.eval.mcq.McqSplit;
import dev.distillery.generate.LanguageModel;
import dev.distillery.io.AtomicFiles;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DType;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.HfConfig;
import dev.distillery.lora.LoraConfig;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.ModelConfig;
import dev.distillery.pipeline.LoraFinetuneOptions;
import dev.distillery.pipeline.LoraFinetuneResult;
import dev.distillery.pipeline.LoraFinetuning;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedDecoder;
import dev.distillery.report.Table;
import dev.distillery.robust.QuestionAttackOptions;
import dev.distillery.tensor.Tensor;
import dev.distillery.train.ConsoleProgress;
import dev.distillery.train.EpochSummary;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.Trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The AQUA-LLM study: one decoder measured on multiple-choice questions in five configurations,
 * base, quantized, fine-tuned, fine-tuned then quantized and QLoRA, each for accuracy (zero- or K-shot
 * option log-likelihood, {@link McqVerification}), robustness (attack success rate under
 * answer-keeping edits) and efficiency (tokens/s, peak heap, size on disk), written as
 * {@value #JSON} and one page {@value #HTML} with the table, a chart and the fine-tunings' costs.
 *
 * <p>Fine-tuning here is full fine-tuning of every weight on the causal-LM loss (next-token
 * cross-entropy over the whole text) of the training questions written as the evaluation prompt
 * with their answer letter, run by {@link DecoderDistiller} with the distillation weight at zero.
 * The training questions are the pool's questions whose text the evaluation set does not hold,
 * deduplicated by text ({@link McqSplit}).
 *
 * <p>QLoRA (Dettmers et al. 2023, arXiv:2305.14314) trains LoRA adapters (Hu et al. 2021,
 * arXiv:2106.09685) through the frozen base packed in a 4-bit format ({@link LoraFinetuning}, NF4
 * with double quantization by default) on the same texts, and is scored with the adapter applied
 * on that same packed base, which is never expanded to FP32. Both fine-tunings record their
 * trainable parameters, seconds per optimizer step and peak heap while training.
 */
public final class AquaStudy {
    public static final String JSON = "aqua.json";
    public static final String HTML = "aqua.html";
    public static final String TRAIN_SPLIT = "finetune-train.jsonl";
    /** The training texts, one {"text": ...} per line, shared by full fine-tuning and QLoRA. */
    public static final String TRAIN_TEXTS = "finetune-texts.jsonl";
    public static final String QLORA = "qlora";

    /**
     * @param model          the base decoder: a Hugging Face folder or a llama2.c checkpoint
     * @param data           the evaluation questions
     * @param pool           questions to fine-tune on, once the evaluation's are removed
     * @param scheme         the quantization of the quantized configurations
     * @param limit          questions scored, from the start of {@code data}; 0 for all
     * @param attackQuestions questions attacked, from the start; 0 for none
     * @param train          fine-tuning epochs, batch, learning rate, seed
     * @param maxLength      tokens per fine-tuning text at most
     * @param qlora          how the QLoRA configuration's adapters are trained
     */
    public record Options(Path model, Path data, Path pool, QuantScheme scheme, String subject, int shots, int limit,
                          int attackQuestions, int attackBudget, TrainOptions train, int maxLength, Qlora qlora, Path out,
                          boolean resume) {
    }

    /**
     * The QLoRA configuration: adapters of {@code rank} and {@code alpha} on {@code targets} (roles such as q, v, or
     * "all"), trained through the base packed in {@code baseScheme}, with {@code train}'s options.
     */
    public record Qlora(QuantScheme baseScheme, int rank, float alpha, List<String> targets, TrainOptions train) {
        public Qlora {
            targets = List.copyOf(targets);
            if (!QuantizedDecoder.SCHEMES.contains(baseScheme)) {
                throw new IllegalArgumentException("a QLoRA base is packed as one of " + QuantizedDecoder.SCHEMES.stream()
                        .map(QuantScheme::id).toList() + ", not " + baseScheme.id());
            }
            if (rank < 1 || !(alpha > 0) || !Float.isFinite(alpha)) {
                throw new IllegalArgumentException("LoRA rank " + rank + " must be at least 1 and alpha " + alpha
                        + " positive");
            }
        }
    }

    /** One configuration's measurements. */
    public record Row(String configuration, Path folder, McqReport report) {
    }

    /**
     * What a fine-tuning did: sequences trained on, optimizer steps, seconds per step, mean loss by epoch, parameters
     * trained, and the peak heap from the start of training to its end ({@link MemoryPeak}, garbage included).
     */
    public record Finetune(int sequences, long steps, double secondsPerStep, List<Double> epochLosses, long trainable,
                           long heapPeakBytes) {
        public Finetune {
            epochLosses = List.copyOf(epochLosses);
        }
    }

    public record Result(List<Row> rows, McqSplit split, String splitDescription, Finetune finetune, Finetune qlora,
                         Qlora qloraOptions) {
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

        /** The two fine-tunings side by side: parameters trained, time per step, peak heap while training. */
        public Table trainingTable() {
            Table t = new Table("fine-tuning", "trainable", "of", "steps", "s/step", "peak heap", "last loss");
            long all = rows.getFirst().report().parameters();
            for (var e : List.of(Map.entry("full", finetune), Map.entry(qloraName(), qlora))) {
                Finetune f = e.getValue();
                t.row(e.getKey(), f.trainable(), String.format(Locale.ROOT, "%.2f%%", 100.0 * f.trainable() / all),
                        f.steps(), String.format(Locale.ROOT, "%.3f", f.secondsPerStep()),
                        McqReport.megabytes(f.heapPeakBytes()), String.format(Locale.ROOT, "%.4f",
                                f.epochLosses().isEmpty() ? Double.NaN : f.epochLosses().getLast()));
            }
            return t;
        }

        /** "QLoRA r=8 on nf4-dq", as the training table and page name it. */
        public String qloraName() {
            return "QLoRA r=" + qloraOptions.rank() + " on " + qloraOptions.baseScheme().id();
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
            put(ft, finetune);
            ObjectNode ql = o.putObject("qloraFinetune");
            ql.put("method", "LoRA adapters trained on the same texts through the frozen base packed in "
                    + qloraOptions.baseScheme().id() + ", scored with the adapter applied on that packed base");
            ql.put("baseScheme", qloraOptions.baseScheme().id());
            ql.put("rank", qloraOptions.rank());
            ql.put("alpha", qloraOptions.alpha());
            ArrayNode targets = ql.putArray("targets");
            qloraOptions.targets().forEach(targets::add);
            ql.put("learningRate", qloraOptions.train().learningRate());
            put(ql, qlora);
            o.put("trainingMemory", MemoryPeak.method() + "; here from the start of each fine-tuning to its end");
            ArrayNode configs = o.putArray("configurations");
            for (Row r : rows) {
                ObjectNode c = configs.addObject();
                c.put("configuration", r.configuration());
                c.put("folder", r.folder().toString());
                c.set("mcq", r.report().toJson(false));
            }
            return o;
        }

        private static void put(ObjectNode o, Finetune f) {
            o.put("sequences", f.sequences());
            o.put("steps", f.steps());
            o.put("secondsPerStep", f.secondsPerStep());
            ArrayNode losses = o.putArray("epochLosses");
            f.epochLosses().forEach(losses::add);
            o.put("trainableParameters", f.trainable());
            o.put("trainingHeapPeakBytes", f.heapPeakBytes());
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
        Path qloraBase = o.out().resolve("base-" + o.qlora().baseScheme().id());
        Path adapter = o.out().resolve(QLORA);
        // the models are built first and only their folders kept, so no weights of this step are live while each
        // configuration's peak heap is measured
        List<String> texts = trainingTexts(o, split.train());
        Finetune ft = build(o, texts, quantized, finetuned, finetunedQuantized, qloraBase, log);
        Trained ql = qlora(o, qloraBase, adapter, log);

        List<Row> rows = new ArrayList<>();
        String[][] configs = {{"base", o.model().toString(), null}, {scheme, quantized.toString(), null},
                {"fine-tuned", finetuned.toString(), null}, {"fine-tuned " + scheme, finetunedQuantized.toString(), null},
                {QLORA, qloraBase.toString(), adapter.toString()}};
        for (String[] c : configs) {
            log.println("scoring " + c[0] + " (" + c[1] + (c[2] == null ? "" : " + " + c[2]) + ")");
            McqOptions mcq = McqOptions.of(Path.of(c[1]), o.data()).withAdapter(c[2] == null ? null : Path.of(c[2]))
                    .withSubject(o.subject()).withShots(o.shots(), o.pool())
                    .withSeed(o.train().seed()).withLimit(o.limit())
                    .withAttack(o.attackQuestions() == 0 ? null : QuestionAttackOptions.defaults()
                            .withQueryBudget(o.attackBudget()).withSeed(o.train().seed()), o.attackQuestions());
            McqReport r = McqVerification.run(mcq, log);
            rows.add(new Row(c[0], Path.of(c[2] == null ? c[1] : c[2]), r));
            AtomicFiles.writeString(o.out().resolve("mcq-" + c[0].replace(' ', '-') + ".json"),
                    HfConfig.pretty(r.toJson(true)));
        }
        Result result = new Result(rows, split, described, ft, ql.finetune(), ql.options());
        AtomicFiles.writeString(o.out().resolve(JSON), HfConfig.pretty(result.toJson()));
        AtomicFiles.writeString(o.out().resolve(HTML), AquaPage.render(result, o));
        return result;
    }

    /**
     * The training questions written as the evaluation prompt with their answer letter; also saved as
     * {@value #TRAIN_TEXTS}, the file QLoRA trains on.
     */
    private static List<String> trainingTexts(Options o, List<McqQuestion> train) throws IOException {
        McqPrompt prompt = new McqPrompt(o.subject());
        List<String> texts = new ArrayList<>(train.size());
        StringBuilder jsonl = new StringBuilder();
        for (McqQuestion q : train) {
            String text = prompt.header() + McqPrompt.body(q) + McqPrompt.continuation(q.answer());
            texts.add(text);
            jsonl.append(JsonNodeFactory.instance.objectNode().put(TextCorpus.TEXT_FIELD, text)).append('\n');
        }
        AtomicFiles.writeString(o.out().resolve(TRAIN_TEXTS), jsonl.toString());
        return texts;
    }

    /**
     * Writes the quantized base, the fine-tuned model, the fine-tuned model quantized, and the base packed for QLoRA
     * (unless it is the quantized base already).
     */
    private static Finetune build(Options o, List<String> texts, Path quantized, Path finetuned,
                                  Path finetunedQuantized, Path qloraBase, PrintStream log) throws IOException {
        DecoderCheckpoint base = DecoderCheckpoint.load(o.model());
        Path tokenizerDir = base.tokenizerDir();
        ModelConfig config = base.config();
        QuantizedDecoder.quantize(config, base.weights(), o.scheme()).write(quantized, tokenizerDir);
        if (!qloraBase.equals(quantized)) {
            QuantizedDecoder.quantize(config, base.weights(), o.qlora().baseScheme()).write(qloraBase, tokenizerDir);
        }
        MemoryPeak memory = MemoryPeak.start();
        DecoderDistiller.Result ft = finetune(o, base, texts, log);
        long heapPeak = memory.heapPeakBytes();
        Map<String, Tensor> tuned = ft.student().weights();
        DecoderCheckpoint.write(finetuned, config, tuned, tokenizerDir, DType.F32);
        QuantizedDecoder.quantize(config, tuned, o.scheme()).write(finetunedQuantized, tokenizerDir);
        return new Finetune(ft.trainSequences(), ft.steps(), ft.secondsPerStep(), ft.epochLosses(),
                ft.student().parameterCount(), heapPeak);
    }

    /**
     * LoRA adapters trained through {@code qloraBase}, the base as packed for QLoRA, on {@value #TRAIN_TEXTS} in the
     * same windows of at most {@code maxLength} tokens as full fine-tuning (each text ends in EOS here); written to
     * {@code adapter}. Run once the FP32 base of {@link #build} is garbage, so the peak heap is QLoRA's own.
     */
    private static Trained qlora(Options o, Path qloraBase, Path adapter, PrintStream log) throws IOException {
        Qlora q = o.qlora();
        boolean resume = o.resume() && Files.isRegularFile(adapter.resolve(LoraFinetuning.CHECKPOINTS)
                .resolve(Trainer.LAST));
        LoraFinetuneOptions options = new LoraFinetuneOptions(qloraBase, null, o.out().resolve(TRAIN_TEXTS), null,
                q.rank(), q.alpha(), 0f, q.targets(), LoraConfig.Bias.NONE, o.maxLength(), false, q.train(), adapter,
                resume, false, "aqua", true);
        log.println("QLoRA: adapters of rank " + q.rank() + " through the " + q.baseScheme().id() + " base " + qloraBase);
        MemoryPeak memory = MemoryPeak.start();
        LoraFinetuneResult r = LoraFinetuning.run(options, new ConsoleProgress(log), log);
        long heapPeak = memory.heapPeakBytes();
        return new Trained(new Finetune(r.examples(), r.training().optimizerSteps(), r.secondsPerStep(),
                r.training().epochs().stream().map(EpochSummary::trainLoss).toList(), r.trainable(), heapPeak),
                new Qlora(q.baseScheme(), q.rank(), q.alpha(), r.lora().targets(), q.train()));
    }

    /** A QLoRA run and its options, the targets resolved to the model's module names. */
    private record Trained(Finetune finetune, Qlora options) {
    }

    /** Every weight of the base trained on the causal-LM loss of the training questions with their answers. */
    private static DecoderDistiller.Result finetune(Options o, DecoderCheckpoint base, List<String> texts,
                                                    PrintStream log) throws IOException {
        ModelConfig config = base.config();
        int[] all = new int[config.numLayers()];
        java.util.Arrays.setAll(all, i -> i);
        CausalLanguageModel student = DecoderStudents.fromTeacher(config, base.weights(), all, 0, o.train().seed());
        LanguageModel frozen = LanguageModel.load(o.model());
        // α = 0: the next-token cross-entropy alone; the frozen base is never read (no held-out texts), but it is held,
        // so the full fine-tuning's peak heap counts a second FP32 copy of the base (the results page says so)
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
