package dev.distillery.cli;

import dev.distillery.io.HfConfig;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedDecoder;
import dev.distillery.train.TrainOptions;
import dev.distillery.verify.AquaStudy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code distillery aqua}: the AQUA-LLM study of one decoder (base, quantized, fine-tuned,
 * fine-tuned then quantized, QLoRA) on multiple-choice questions; see {@link AquaStudy}.
 */
@Command(name = "aqua",
        mixinStandardHelpOptions = true,
        description = {"The AQUA-LLM study: quantize a decoder, fine-tune it on questions absent from the evaluation set,",
                "quantize the fine-tuned model, train LoRA adapters through a 4-bit base (QLoRA), and score all five on",
                "multiple-choice questions for accuracy, attack success under answer-keeping edits, tokens/s, peak memory",
                "and size; compare the two fine-tunings' trainable parameters, time per step and peak memory. Writes",
                "aqua.json and aqua.html."},
        footer = {"", "Examples:",
                "  distillery aqua --model ../shared/models/stories260K \\",
                "      --data ../shared/datasets/cyber-mcq/cybermetric-80.jsonl \\",
                "      --finetune-pool ../shared/datasets/cyber-mcq/cybermetric-2000.jsonl \\",
                "      --out runs/aqua-stories260K",
                "  distillery aqua @examples/aqua/stories260K.args   (options read from a file)"})
public final class AquaCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR|FILE",
            description = "The base decoder: a Hugging Face folder or a llama2.c checkpoint.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Evaluation questions (JSON Lines).")
    Path data;

    @Option(names = "--finetune-pool", required = true, paramLabel = "FILE",
            description = "Questions to fine-tune on; any whose text --data holds, and repeats, are left out.")
    Path pool;

    @Option(names = "--scheme", defaultValue = "q4_0", paramLabel = "SCHEME",
            description = "Quantization of the quantized configurations: q8_0, q4_0, nf4 or nf4-dq. Default: ${DEFAULT-VALUE}.")
    String scheme;

    @Option(names = "--subject", defaultValue = "cybersecurity", paramLabel = "TEXT",
            description = "The subject the prompt's first line names. Default: ${DEFAULT-VALUE}.")
    String subject;

    @Option(names = "--shots", defaultValue = "0", paramLabel = "K",
            description = "Solved questions before each question, from the fine-tuning pool. Default: ${DEFAULT-VALUE}.")
    int shots;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "Score only the first N questions; 0 for all. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--attack-questions", defaultValue = "20", paramLabel = "N",
            description = "Attack the first N scored questions; 0 for no attack. Default: ${DEFAULT-VALUE}.")
    int attackQuestions;

    @Option(names = "--attack-budget", defaultValue = "40", paramLabel = "N",
            description = "Model queries per attacked question, the clean one included. Default: ${DEFAULT-VALUE}.")
    int attackBudget;

    @Option(names = "--epochs", defaultValue = "1", paramLabel = "N", description = "Fine-tuning epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-4", paramLabel = "X",
            description = "Peak fine-tuning learning rate (linear warm-up over 10 %%, then linear decay). Default: ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(names = "--max-length", defaultValue = "256", paramLabel = "TOKENS",
            description = "Tokens per fine-tuning window at most. Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--qlora-base", defaultValue = "nf4-dq", paramLabel = "SCHEME",
            description = "How the QLoRA configuration's frozen base is packed: nf4-dq, nf4, q4_0 or q8_0. Default: "
                    + "${DEFAULT-VALUE}.")
    String qloraBase;

    @Option(names = "--lora-rank", defaultValue = "8", paramLabel = "R",
            description = "Rank of the QLoRA adapters. Default: ${DEFAULT-VALUE}.")
    int loraRank;

    @Option(names = "--lora-alpha", paramLabel = "A", description = "LoRA scale numerator (the update is A/R·B·A). "
            + "Default: twice the rank.")
    Float loraAlpha;

    @Option(names = "--lora-targets", defaultValue = "all", split = ",", paramLabel = "ROLES",
            description = "Projections given adapters: q, k, v, o, gate, up, down, or all. Default: ${DEFAULT-VALUE}.")
    List<String> loraTargets;

    @Option(names = "--lora-lr", paramLabel = "X",
            description = "Peak learning rate of the QLoRA adapters. Default: --lr.")
    Double loraLearningRate;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
            description = "Seeds fine-tuning, the shots and the attack. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--resume", description = "Continue an interrupted fine-tuning from OUT/.checkpoints.")
    boolean resume;

    @Option(names = "--json", description = "Print aqua.json on stdout instead of the table.")
    boolean json;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Folder for the models, each configuration's mcq JSON, aqua.json and aqua.html.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        QuantScheme q = decoderScheme("--scheme", scheme);
        QuantScheme qb = decoderScheme("--qlora-base", qloraBase);
        TrainOptions train = TrainOptions.defaults().withEpochs(epochs).withBatchSize(batchSize)
                .withLearningRate(learningRate).withSeed(seed);
        AquaStudy.Qlora qlora;
        try {
            qlora = new AquaStudy.Qlora(qb, loraRank, loraAlpha == null ? 2f * loraRank : loraAlpha, loraTargets,
                    train.withLearningRate(loraLearningRate == null ? learningRate : loraLearningRate));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        AquaStudy.Result r = AquaStudy.run(new AquaStudy.Options(model, data, pool, q, subject, shots, limit,
                attackQuestions, attackBudget, train, maxLength, qlora, out, resume), System.err);
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            stdout.println(HfConfig.pretty(r.toJson()));
        } else {
            stdout.println(r.table().render());
            stdout.println();
            stdout.println(r.trainingTable().render());
            stdout.println("fine-tuning questions: " + r.splitDescription());
            stdout.println("wrote " + out.resolve(AquaStudy.JSON) + " and " + out.resolve(AquaStudy.HTML));
        }
        stdout.flush();
        return 0;
    }

    /** The scheme {@code id} names, one a decoder is quantized to; a usage error naming {@code option} otherwise. */
    private QuantScheme decoderScheme(String option, String id) {
        QuantScheme q;
        try {
            q = QuantScheme.fromId(id);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
        if (!QuantizedDecoder.SCHEMES.contains(q)) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": a decoder is quantized to "
                    + QuantizedDecoder.SCHEMES.stream().map(QuantScheme::id).toList() + ", not " + id);
        }
        return q;
    }
}
