package dev.distillery.cli;

import dev.distillery.io.AtomicFiles;
import dev.distillery.io.HfConfig;
import dev.distillery.robust.QuestionAttackOptions;
import dev.distillery.robust.QuestionRobustness;
import dev.distillery.verify.McqOptions;
import dev.distillery.verify.McqReport;
import dev.distillery.verify.McqVerification;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code distillery mcq}: a decoder's accuracy on multiple-choice questions, with its baselines, its
 * robustness under answer-keeping edits and its costs; see {@link McqVerification}.
 */
@Command(name = "mcq",
        mixinStandardHelpOptions = true,
        description = {"Score a decoder LLM on multiple-choice questions (JSON Lines: question, options A-D, answer) by the",
                "log-likelihood of each option letter after a fixed prompt, zero-shot or K-shot; report accuracy beside",
                "chance and the longest-option baseline, attack success under answer-keeping edits (--attack), tokens/s,",
                "peak memory and size on disk."},
        footer = {"", "Examples:",
                "  distillery mcq --model ../shared/models/stories260K \\",
                "      --data ../shared/datasets/cyber-mcq/cybermetric-80.jsonl",
                "  distillery mcq --model models/smollm2-q8 --data cybermetric-500.jsonl \\",
                "      --shots 5 --attack --out results/q8",
                "  distillery mcq --model models/smollm2-nf4-dq --adapter runs/qlora \\",
                "      --data cybermetric-500.jsonl"})
public final class McqCommand implements Callable<Integer> {
    static final String SUMMARY = "mcq.json";

    @Option(names = "--model", required = true, paramLabel = "DIR|FILE",
            description = "A decoder folder (Hugging Face or quantized by 'distillery quantize'), a llama2.c .bin (or a "
                    + "folder with one and its tok*.bin) or a .gguf file.")
    Path model;

    @Mixin
    AdapterOption adapter;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Questions as JSON Lines, optionally .gz: {\"question\", \"options\": {\"A\": ...}, \"answer\"}.")
    Path data;

    @Option(names = "--subject", defaultValue = "cybersecurity", paramLabel = "TEXT",
            description = "The subject the prompt's first line names (\"The following are multiple choice questions (with "
                    + "answers) about TEXT.\"). Default: ${DEFAULT-VALUE}.")
    String subject;

    @Option(names = "--shots", defaultValue = "0", paramLabel = "K",
            description = "Solved questions before each question, drawn from --shot-pool. Default: ${DEFAULT-VALUE} (zero-shot).")
    int shots;

    @Option(names = "--shot-pool", paramLabel = "FILE",
            description = "Questions to draw shots from; any that --data holds are left out. Default: twelve bundled "
                    + "general security questions.")
    Path shotPool;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "Score only the first N questions; 0 for all. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--attack", description = "Attack the questions with answer-keeping edits (shuffled options, typos, "
            + "a distractor sentence, rephrasings) and report the attack success rate.")
    boolean attack;

    @Option(names = "--attack-questions", defaultValue = "0", paramLabel = "N",
            description = "Attack only the first N questions; 0 for all scored. Default: ${DEFAULT-VALUE}.")
    int attackQuestions;

    @Option(names = "--attack-budget", defaultValue = "40", paramLabel = "N",
            description = "Model queries per attacked question, the clean one included. Default: ${DEFAULT-VALUE}.")
    int attackBudget;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
            description = "Seeds the draw of shots and the attack's edits. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "Print the summary as JSON on stdout instead of tables.")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Write " + SUMMARY + " there: the summary with every question's answer, log-likelihoods and attack.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        McqOptions options = McqOptions.of(model, data).withAdapter(adapter.adapter).withSubject(subject)
                .withShots(shots, shotPool).withSeed(seed).withLimit(limit)
                .withAttack(attack ? QuestionAttackOptions.defaults().withQueryBudget(attackBudget).withSeed(seed) : null,
                        attackQuestions);
        McqReport r = McqVerification.run(options, System.err);
        if (out != null) {
            Files.createDirectories(out);
            AtomicFiles.writeString(out.resolve(SUMMARY), HfConfig.pretty(r.toJson(true)));
        }
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            stdout.println(HfConfig.pretty(r.toJson(false)));
        } else {
            stdout.println(r.table().render());
            if (r.robustness() != null) {
                stdout.println();
                stdout.println(QuestionRobustness.table(Map.of(r.name(), r.robustness())).render());
            }
            if (out != null) {
                stdout.println("wrote " + out.resolve(SUMMARY));
            }
        }
        stdout.flush();
        return 0;
    }
}
