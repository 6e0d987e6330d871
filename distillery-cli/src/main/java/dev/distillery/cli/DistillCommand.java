package dev.distillery.cli;

import dev.distillery.distill.DecoderDistiller;
import dev.distillery.distill.DistillOptions;
import dev.distillery.distill.Divergence;
import dev.distillery.distill.StudentInit;
import dev.distillery.distill.TokenDistillationLoss;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.pipeline.DecoderDistillation;
import dev.distillery.pipeline.Distillation;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedDecoder;
import dev.distillery.pipeline.DistillationOptions;
import dev.distillery.pipeline.DistillationResult;
import dev.distillery.robust.AdversarialAugmentation;
import dev.distillery.robust.AttackOptions;
import dev.distillery.train.ConsoleProgress;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.TrainingListener;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code distillery distill}: trains a smaller student on a saved teacher's soft targets and saves it as a
 * classifier folder of its own; see {@link Distillation}. With a decoder LLM teacher it distils token by token on a
 * text file into a decoder folder; see {@link DecoderDistillation}.
 */
@Command(name = "distill",
        mixinStandardHelpOptions = true,
        description = {"Distil a teacher saved by train-teacher into a smaller student, compare both on the test split, and save the student.",
                "Without --data or --train it distils on the bundled phishing-urls splits.",
                "A decoder LLM teacher (Hugging Face folder or llama2.c checkpoint) distils token by token on the texts of",
                "--train (separated by blank lines) into a decoder folder that generate and mcq load."},
        footer = {"", "Examples:",
                "  distillery distill --teacher models/teacher --student-layers 3 --augment 2 \\",
                "      --epochs 1 --out models/student",
                "  distillery distill --teacher models/teacher --student-layers 3 \\",
                "      --hard-labels-only --out models/ablation",
                "  distillery distill --teacher models/teacher --student-layers 2 \\",
                "      --qat nf4-dq --out models/student-nf4",
                "  distillery distill --teacher models/teacher --student-layers 2 \\",
                "      --init random --student-hidden 176 --student-heads 11 --student-ffn 704 \\",
                "      --vocab-min-count 5 --out models/student-small",
                "  distillery distill --teacher models/teacher --student-layers 3 \\",
                "      --teacher-logits logits/ --out models/student",
                "  distillery distill --teacher ../shared/models/stories260K \\",
                "      --train stories.txt --loss reverse-kl --epochs 2 --out models/stories-3l",
                "After an interruption, the same command with --resume continues from",
                "OUT/.checkpoints."})
public final class DistillCommand implements Callable<Integer> {
    @Option(names = "--teacher", required = true, paramLabel = "DIR", description = "A folder saved by train-teacher.")
    Path teacher;

    @Mixin
    SplitFileOptions splits;

    @Mixin
    ColumnOptions columns;

    @Option(names = "--student-layers", defaultValue = "0", paramLabel = "N",
            description = "Student layers; 0 for half the teacher's. Default: ${DEFAULT-VALUE}.")
    int layers;

    @Option(names = "--student-hidden", defaultValue = "0", paramLabel = "H",
            description = "Student hidden size (needs --init random when it differs); 0 for the teacher's.")
    int hidden;

    @Option(names = "--student-heads", defaultValue = "0", paramLabel = "A", description = "Student attention heads; 0 for the teacher's.")
    int heads;

    @Option(names = "--student-ffn", defaultValue = "0", paramLabel = "F", description = "Student feed-forward size; 0 for the teacher's.")
    int ffn;

    @Option(names = "--init", defaultValue = "from-teacher", paramLabel = "from-teacher|random",
            description = "Copy embeddings, spread layers and head from the teacher, or start at random. Default: ${DEFAULT-VALUE}.")
    String init;

    @Option(names = "--temperature", paramLabel = "T",
            description = "Softens both distributions. Default: 2 for classifiers, 1 for decoders.")
    Double temperature;

    @Option(names = "--alpha", defaultValue = "0.5", paramLabel = "A",
            description = "Weight of the soft-target loss; the rest goes to cross-entropy on the labels. Default: ${DEFAULT-VALUE}.")
    double alpha;

    @Option(names = "--loss", defaultValue = "forward-kl", paramLabel = "forward-kl|reverse-kl|mix",
            description = "KL direction between teacher and student: forward (cover the teacher's modes), reverse (MiniLLM: "
                    + "seek its main modes), or for decoders a mix weighted by --kl-mix. Default: ${DEFAULT-VALUE}.")
    String loss;

    @Option(names = "--kl-mix", defaultValue = "0.5", paramLabel = "W",
            description = "With --loss mix: weight of forward KL, the rest on reverse KL. Default: ${DEFAULT-VALUE}.")
    double klMix;

    @Option(names = "--student-config", paramLabel = "FILE",
            description = "Decoders: a config.json of the teacher's family and vocabulary for a randomly initialised student.")
    Path studentConfig;

    @Option(names = "--teacher-generations", defaultValue = "0", paramLabel = "N",
            description = "Decoders: also train on N continuations the teacher samples of each text (sequence-level "
                    + "distillation). Default: ${DEFAULT-VALUE}.")
    int teacherGenerations;

    @Option(names = "--generation-tokens", defaultValue = "64", paramLabel = "N",
            description = "Decoders: new tokens per teacher continuation at most. Default: ${DEFAULT-VALUE}.")
    int generationTokens;

    @Option(names = "--hidden-weight", defaultValue = "0", paramLabel = "W",
            description = "Weight of the hidden-state MSE to the teacher; 0 turns it off. Default: ${DEFAULT-VALUE}.")
    double hiddenWeight;

    @Option(names = "--attention-weight", defaultValue = "0", paramLabel = "W",
            description = "Weight of the last-layer attention KL to the teacher (MiniLM; needs equal head counts); 0 turns it off. "
                    + "Default: ${DEFAULT-VALUE}.")
    double attentionWeight;

    @Option(names = "--augment", defaultValue = "0", paramLabel = "N",
            description = "Teacher-labelled URL variants per training row. Default: ${DEFAULT-VALUE}.")
    int augment;

    @Option(names = "--adversarial",
            description = "Attack phishing training URLs against the teacher and train on the successful adversarial URLs too,"
                    + " balanced by as many benign training URLs given the same edits (teacher-labelled).")
    boolean adversarial;

    @Option(names = "--adversarial-urls", defaultValue = "200", paramLabel = "N",
            description = "Phishing training URLs to attack with --adversarial. Default: ${DEFAULT-VALUE}.")
    int adversarialUrls;

    @Option(names = "--adversarial-budget", defaultValue = "100", paramLabel = "N",
            description = "Teacher queries per attacked URL with --adversarial. Default: ${DEFAULT-VALUE}.")
    int adversarialBudget;

    @Option(names = "--teacher-logits", paramLabel = "DIR",
            description = "A teacher-logits cache written by the Spark labelling job (distillery-spark, TeacherLabelling): training"
                    + " rows found in it by the SHA-256 of their text take its logits, and the teacher computes only the rest."
                    + " It must come from this teacher folder at this max length.")
    Path teacherLogits;

    @Option(names = "--hard-labels-only",
            description = "The ablation: the same student trained on the dataset's labels only, without the teacher's outputs.")
    boolean hardLabelsOnly;

    @Option(names = "--no-trim-vocab", description = "Keep the teacher's whole vocabulary instead of the pieces the training data uses.")
    boolean noTrimVocab;

    @Option(names = "--vocab-min-count", defaultValue = "1", paramLabel = "N",
            description = "Keep only the word pieces the training data uses at least N times; rarer ones fall back to shorter"
                    + " pieces or [UNK], freeing embedding bytes for a wider or deeper student. Default: ${DEFAULT-VALUE}.")
    int vocabMinCount;

    @Option(names = "--qat", paramLabel = "SCHEME",
            description = "Quantization-aware training: train through fake quantization to this scheme (int8, int8-channel, q8_0, "
                    + "q4_0, nf4, nf4-dq, fp16, bf16), keeping FP32 masters; the student is then quantized with the same scheme.")
    String qat;

    @Option(names = "--epochs", defaultValue = "3", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-4", paramLabel = "X",
            description = "Peak learning rate (linear warm-up over 10 %%, then linear decay). Default: ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(names = "--max-length", defaultValue = "0", paramLabel = "TOKENS",
            description = "Tokens per text including [CLS] and [SEP]; 0 for the teacher's. Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--max-train-rows", defaultValue = "0", paramLabel = "N",
            description = "Distil on a seeded random subset of this many rows; 0 for all. Default: ${DEFAULT-VALUE}.")
    int maxTrainRows;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
            description = "Seeds the student, augmentation, data order and dropout. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    CheckpointOptions checkpoints;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Student folder to write.")
    Path out;

    @Spec
    CommandSpec spec;

    /** Where training reports progress. */
    TrainingListener progress = new ConsoleProgress(System.err);

    @Override
    public Integer call() throws IOException {
        if (DecoderCheckpoint.isDecoder(teacher) || QuantizedDecoder.isQuantizedDecoder(teacher)) {
            return distillDecoder();
        }
        String decoderOnly = studentConfig != null ? "--student-config" : teacherGenerations != 0 ? "--teacher-generations"
                : loss.equals("mix") ? "--loss mix" : null;
        if (decoderOnly != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), decoderOnly + " applies to decoder LLM teachers; "
                    + teacher + " is not one");
        }
        StudentInit studentInit = switch (init) {
            case "from-teacher" -> StudentInit.FROM_TEACHER;
            case "random" -> StudentInit.RANDOM;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--init must be from-teacher or random, not '" + init + "'");
        };
        Divergence divergence = switch (loss) {
            case "forward-kl" -> Divergence.FORWARD_KL;
            case "reverse-kl" -> Divergence.REVERSE_KL;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--loss must be forward-kl or reverse-kl, not '" + loss + "'");
        };
        if (qat != null) {
            try {
                QuantScheme.fromId(qat);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--qat: " + e.getMessage());
            }
        }
        TrainOptions training = TrainOptions.defaults().withEpochs(epochs).withBatchSize(batchSize)
                .withLearningRate(learningRate).withSeed(seed).withCheckpointEverySteps(checkpoints.checkpointEvery);
        DistillOptions distill = DistillOptions.defaults().withTrain(training).withInit(studentInit)
                .withDivergence(divergence).withTemperature(temperature == null ? 2 : temperature).withAlpha(alpha)
                .withHiddenWeight(hiddenWeight).withAttentionWeight(attentionWeight)
                .withAugmentPerExample(augment).withHardLabelsOnly(hardLabelsOnly).withTrimVocabulary(!noTrimVocab)
                .withVocabMinCount(vocabMinCount);
        // originalArgs belong to the root command, so they start with "distill"
        String command = "distillery " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        DistillationOptions options = new DistillationOptions(teacher, splits.data, splits.train, splits.validation, splits.test, layers, hidden,
                heads, ffn, maxLength, maxTrainRows, distill, out, command, columns.textColumn, columns.labelColumn, checkpoints.resume, qat,
                adversarial ? new AdversarialAugmentation(adversarialUrls, AttackOptions.defaults().withQueryBudget(adversarialBudget))
                        : null, null, teacherLogits);
        DistillationResult r = Distillation.run(options, progress, System.err);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(r.comparison());
        stdout.printf(Locale.ROOT, "saved %s to %s: %d training rows (%d augmented, %d adversarial, %d edited benign),"
                        + " vocabulary %d of %d pieces, %d optimizer steps in %.1f s (%.3f s/step)%n",
                r.student(), out, r.distill().trainExamples(), r.distill().augmentedTexts().size(),
                r.distill().adversarialTexts().size(), r.distill().benignVariants().size(),
                r.student().tokenizer().vocabSize(), r.teacher().tokenizer().vocabSize(), r.stepsRun(), r.trainSeconds(),
                r.secondsPerStep());
        stdout.flush();
        return 0;
    }

    /** The decoder path: token-level distillation on a text file; see {@link DecoderDistillation}. */
    private int distillDecoder() throws IOException {
        String ignored = splits.data != null ? "--data" : splits.test != null ? "--test" : qat != null ? "--qat"
                : augment != 0 ? "--augment" : adversarial ? "--adversarial" : hiddenWeight != 0 ? "--hidden-weight"
                : attentionWeight != 0 ? "--attention-weight" : teacherLogits != null ? "--teacher-logits"
                : hardLabelsOnly ? "--hard-labels-only" : hidden != 0 ? "--student-hidden" : heads != 0 ? "--student-heads"
                : maxTrainRows != 0 ? "--max-train-rows" : noTrimVocab ? "--no-trim-vocab"
                : vocabMinCount != 1 ? "--vocab-min-count" : columns.textColumn != null ? "--text-column"
                : null;
        if (ignored != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), ignored + " applies to classifier teachers; "
                    + teacher + " is a decoder LLM");
        }
        if (splits.train == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "a decoder teacher distils on a text file: give "
                    + "--train FILE (texts separated by blank lines)");
        }
        double forwardWeight = switch (loss) {
            case "forward-kl" -> 1;
            case "reverse-kl" -> 0;
            case "mix" -> klMix;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--loss must be forward-kl, reverse-kl or mix, not '" + loss + "'");
        };
        boolean random = switch (init) {
            case "from-teacher" -> false;
            case "random" -> true;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--init must be from-teacher or random, not '" + init + "'");
        };
        TokenDistillationLoss objective;
        DecoderDistiller.Options options;
        try {
            objective = new TokenDistillationLoss(forwardWeight, temperature == null ? 1 : temperature, alpha);
            options = new DecoderDistiller.Options(objective, maxLength == 0 ? Integer.MAX_VALUE : maxLength,
                    teacherGenerations, generationTokens, 1f, TrainOptions.defaults().withEpochs(epochs)
                    .withBatchSize(batchSize).withLearningRate(learningRate).withSeed(seed)
                    .withCheckpointEverySteps(checkpoints.checkpointEvery));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        DecoderDistillation.Outcome r = DecoderDistillation.run(new DecoderDistillation.Options(teacher, splits.train,
                splits.validation, layers, ffn, studentConfig, random, options, out, checkpoints.resume), System.err);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(r.table().render());
        stdout.printf(Locale.ROOT, "saved the student to %s: %d training sequences (%d teacher generations), %d optimizer "
                        + "steps in %.1f s (%.3f s/step)%n", out, r.result().trainSequences(),
                r.result().generatedSequences(), r.result().steps(), r.result().trainSeconds(),
                r.result().secondsPerStep());
        stdout.flush();
        return 0;
    }
}
