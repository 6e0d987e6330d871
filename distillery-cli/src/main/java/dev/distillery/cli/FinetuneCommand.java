package dev.distillery.cli;

import dev.distillery.lora.FrozenBase;
import dev.distillery.lora.LoraConfig;
import dev.distillery.pipeline.LoraFinetuneOptions;
import dev.distillery.pipeline.LoraFinetuneResult;
import dev.distillery.pipeline.LoraFinetuning;
import dev.distillery.pipeline.TeacherOptions;
import dev.distillery.pipeline.TeacherResult;
import dev.distillery.pipeline.TeacherTraining;
import dev.distillery.report.Table;
import dev.distillery.train.ConsoleProgress;
import dev.distillery.train.EpochSummary;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.TrainingListener;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code distillery finetune}: LoRA / QLoRA adapters for a decoder, trained on text with the base
 * frozen, saved in PEFT's layout; or, with {@code --adapter} and {@code --merge}, an adapter merged
 * into its base.
 */
@Command(name = "finetune",
        mixinStandardHelpOptions = true,
        description = "Fine-tune a decoder LLM with LoRA adapters on a frozen base (FP32, or 4-bit for QLoRA) over text "
                + "(one example per line; a .jsonl file's \"text\" field). Saves the adapter in PEFT's layout "
                + "(adapter_config.json, adapter_model.safetensors).",
        footer = {"", "Examples:",
                "  distillery finetune --model ../shared/models/stories260K --data stories.txt \\",
                "      --lora-rank 8 --lora-targets q,k,v,o --base-format nf4-dq --out my-adapter",
                "  distillery generate --model ../shared/models/stories260K \\",
                "      --adapter my-adapter --prompt \"Once upon a time\"",
                "  distillery finetune --model base-folder --adapter my-adapter --merge \\",
                "      --out merged-model",
                "",
                "After an interruption, the same command with --resume continues from",
                "OUT/.checkpoints."})
public final class FinetuneCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR|FILE",
            description = "The base: a decoder (Hugging Face folder, quantized folder or llama2.c checkpoint), or an "
                    + "encoder to fine-tune as a classifier ('minilm' or a BERT/DistilBERT folder).")
    Path model;

    @Option(names = "--data", paramLabel = "FILE",
            description = "Decoder: training text, one example per line (in a .jsonl/.json file, each line's \"text\" "
                    + "field). Encoder: a labelled CSV, TSV or JSONL file as train-teacher reads.")
    Path data;

    @Option(names = "--validation", paramLabel = "FILE",
            description = "Data in the same form, scored after each epoch; the best epoch is kept.")
    Path validation;

    @Mixin
    ColumnOptions columns;

    @Option(names = "--lora-rank", defaultValue = "8", paramLabel = "R", description = "Adapter rank. Default: ${DEFAULT-VALUE}.")
    int rank;

    @Option(names = "--lora-alpha", paramLabel = "A",
            description = "Scale numerator: the adapter's product is multiplied by A / R. Default: twice the rank.")
    Float alpha;

    @Option(names = "--lora-dropout", defaultValue = "0", paramLabel = "P",
            description = "Dropout on the adapters' input while training. Default: ${DEFAULT-VALUE}.")
    float dropout;

    @Option(names = "--lora-targets", split = ",", paramLabel = "q,k,v,o,gate,up,down",
            description = "Projections to adapt: roles (decoders q, k, v, o, gate, up, down; encoders query, key, value, "
                    + "attention_output, intermediate, output), PEFT module names (q_proj) or all. Default: q,v for "
                    + "decoders, query,value for encoders (PEFT's defaults).")
    List<String> targets;

    @Option(names = "--base-format", paramLabel = "fp32|nf4-dq|nf4|q4_0|q8_0",
            description = "How the frozen base is held: fp32, or packed 4/8-bit (QLoRA: nf4-dq). Default: the model's "
                    + "own (fp32, or a quantized folder's scheme).")
    String baseFormat;

    @Option(names = "--max-length", defaultValue = "0", paramLabel = "TOKENS",
            description = "Tokens per example at most; longer examples are cut. Default: 256 or the model's limit for "
                    + "decoders, 64 for encoders.")
    int maxLength;

    @Option(names = "--gradient-checkpointing",
            description = "Recompute each block's activations in backward: less memory, about one more forward pass.")
    boolean gradientCheckpointing;

    @Option(names = "--epochs", defaultValue = "3", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--lr", defaultValue = "2e-4", paramLabel = "X",
            description = "Peak learning rate (linear warm-up and decay). Default: ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
            description = "Seeds the adapters' initialisation, data order and dropout. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    CheckpointOptions checkpoints;

    @Option(names = "--merge",
            description = "Also write the base with the adapter merged in (FP32 Hugging Face folder) to OUT/merged; with "
                    + "--adapter and no --data, merge that adapter into the base and write the folder to OUT.")
    boolean merge;

    @Option(names = "--adapter", paramLabel = "DIR", description = "With --merge: an adapter folder to merge instead of training.")
    Path adapter;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the adapter (or merged model).")
    Path out;

    @Spec
    CommandSpec spec;

    /** Where training reports progress. */
    TrainingListener progress = new ConsoleProgress(System.err);

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        if (adapter != null) {
            if (!merge || data != null) {
                throw usage("--adapter merges an existing adapter: give it with --merge and without --data");
            }
            LoraFinetuning.merge(model, adapter, out);
            stdout.printf("merged %s into %s: wrote %s%n", adapter, model, out);
            stdout.flush();
            return 0;
        }
        if (data == null) {
            throw usage("--data is required to train an adapter (or give --adapter DIR --merge to merge one)");
        }
        if (rank < 1) {
            throw usage("--lora-rank must be at least 1, got " + rank);
        }
        if (baseFormat != null && !FrozenBase.FORMATS.contains(baseFormat)) {
            throw usage("--base-format must be one of " + String.join(", ", FrozenBase.FORMATS) + ", not '" + baseFormat
                    + "'");
        }
        float a = alpha == null ? 2f * rank : alpha;
        if (!(a > 0) || !Float.isFinite(a)) {
            throw usage("--lora-alpha must be a positive number, got " + a);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw usage("--lora-dropout must be in [0, 1), got " + dropout);
        }
        TrainOptions training;
        try {
            training = TrainOptions.defaults().withEpochs(epochs).withBatchSize(batchSize).withLearningRate(learningRate)
                    .withSeed(seed).withCheckpointEverySteps(checkpoints.checkpointEvery);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        String command = "distillery " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        if (LoraFinetuning.isEncoder(model)) {
            return classifier(a, training, command);
        }
        LoraFinetuneOptions options = new LoraFinetuneOptions(model, baseFormat, data, validation, rank, a, dropout,
                targets == null ? List.of("q", "v") : targets, LoraConfig.Bias.NONE, maxLength, gradientCheckpointing,
                training, out, checkpoints.resume, merge, command);
        LoraFinetuneResult r = LoraFinetuning.run(options, progress, System.err);

        EpochSummary last = r.training().epochs().getLast();
        Table t = new Table("adapter", "base", "rank", "alpha", "targets", "trainable", "model MB", "steps", "s/step",
                "train loss", "val loss");
        t.row(out.toString(), r.baseFormat(), r.lora().rank(), trim(r.lora().alpha()), String.join(",", r.lora().targets()),
                r.trainable(), String.format(Locale.ROOT, "%.1f", r.modelBytes() / 1e6), r.training().optimizerSteps(),
                String.format(Locale.ROOT, "%.3f", r.secondsPerStep()), last.trainLoss(), last.validationLoss());
        stdout.print(t.render());
        stdout.printf("saved the adapter to %s%s%n", r.adapter(), r.merged() == null ? ""
                : " and the merged model to " + r.merged());
        stdout.flush();
        return 0;
    }

    /** LoRA on an encoder classifier: train-teacher's run with adapters on the frozen encoder. */
    private int classifier(float a, TrainOptions training, String command) throws IOException {
        if (baseFormat != null && !baseFormat.equals("fp32")) {
            throw usage("--base-format " + baseFormat + " is for decoders; an encoder classifier trains on its FP32 base");
        }
        if (merge || gradientCheckpointing) {
            throw usage((merge ? "--merge" : "--gradient-checkpointing") + " is for decoders; an encoder fine-tune "
                    + "always writes the merged classifier beside its adapter");
        }
        LoraConfig lora = new LoraConfig(rank, a, dropout, targets == null ? List.of("query", "value") : targets,
                LoraConfig.Bias.NONE);
        TeacherOptions options = new TeacherOptions(model.toString(), null, data, validation, null, columns.textColumn,
                columns.labelColumn, false, maxLength > 0 ? maxLength : 64, 0, false, training, out, checkpoints.resume, command,
                lora);
        TeacherResult r = TeacherTraining.run(options, progress, System.err);
        PrintWriter stdout = spec.commandLine().getOut();
        if (r.validation() != null) {
            stdout.println(r.validation().tables());
        }
        stdout.printf(Locale.ROOT, "saved %s (adapter merged) to %s and the adapter to %s: %d training rows, %d optimizer "
                        + "steps in %.1f s (%.3f s/step)%n", r.classifier(), out, out.resolve(TeacherTraining.ADAPTER),
                r.trainExamples(), r.stepsRun(), r.trainSeconds(), r.secondsPerStep());
        stdout.flush();
        return 0;
    }

    private static String trim(float v) {
        return v == Math.rint(v) ? String.valueOf((int) v) : String.valueOf(v);
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
