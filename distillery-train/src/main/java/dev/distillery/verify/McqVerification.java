package dev.distillery.verify;

import dev.distillery.classify.Provenance;
import dev.distillery.eval.MemoryPeak;
import dev.distillery.eval.mcq.McqEvaluation;
import dev.distillery.eval.mcq.McqPrompt;
import dev.distillery.eval.mcq.McqQuestion;
import dev.distillery.eval.mcq.McqScorer;
import dev.distillery.eval.mcq.McqShots;
import dev.distillery.generate.LanguageModel;
import dev.distillery.robust.QuestionRobustness;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Measures one decoder on multiple-choice questions: loads it, draws the shots, scores every question
 * ({@link McqEvaluation}) with the LoRA adapter applied when one is named, attacks them when asked ({@link QuestionRobustness}), and records size on
 * disk (base plus adapter), parameters, tokens/s and peak memory.
 * <pre>{@code
 * McqReport r = McqVerification.run(McqOptions.of(Path.of("models/smollm2"), Path.of("cybermetric-500.jsonl")), System.err);
 * }</pre>
 */
public final class McqVerification {
    private McqVerification() {
    }

    /** @param log progress bars and notes; null for none */
    public static McqReport run(McqOptions o, PrintStream log) throws IOException {
        List<McqQuestion> questions = McqQuestion.read(o.data());
        if (o.limit() > 0 && o.limit() < questions.size()) {
            questions = questions.subList(0, o.limit());
        }
        List<McqQuestion> pool = o.shotPool() == null ? McqShots.bundled() : McqQuestion.read(o.shotPool());
        List<McqQuestion> shots = McqShots.draw(pool, questions, o.shots(), o.seed());
        MemoryPeak memory = MemoryPeak.start();
        LanguageModel lm = LanguageModel.load(o.model(), o.adapter());
        McqScorer scorer = new McqScorer(lm.model(), lm.tokenizer(), new McqPrompt(o.subject()), shots);
        McqEvaluation evaluation = McqEvaluation.run(scorer, questions, log);
        if (log != null && evaluation.cut() > 0) {
            log.printf(Locale.ROOT, "%d of %d prompts were longer than the model's context of %d tokens and were cut from "
                            + "the left, options and \"Answer:\" kept%s%n", evaluation.cut(), evaluation.questions(),
                    scorer.context(), evaluation.optionsCut() > 0 ? " (" + evaluation.optionsCut()
                            + " of them into the options)" : "");
        }
        QuestionRobustness robustness = null;
        if (o.attack() != null) {
            List<McqQuestion> attacked = o.attackQuestions() > 0 && o.attackQuestions() < questions.size()
                    ? questions.subList(0, o.attackQuestions()) : questions;
            robustness = QuestionRobustness.evaluate(scorer, attacked, o.attack(), log);
        }
        long heapPeak = memory.heapPeakBytes();
        Reference.reachabilityFence(lm);
        Provenance here = Provenance.ofThisPlatform("", List.of(), Map.of(), 0);
        return new McqReport(lm.name(), lm.format(), o.data().toString(), evaluation, robustness, sizeOnDisk(o.model())
                + adapterSize(o.adapter()),
                lm.model().parameterCount(), heapPeak, MemoryPeak.processPeakRssBytes(),
                here.jdk() + "; " + here.os() + "; " + here.cpu(), here.createdUtc());
    }

    /**
     * Bytes of an adapter folder's own files (its top level: a {@code merged/} model that {@code finetune --merge}
     * writes beside the adapter is not part of it); 0 for none.
     */
    static long adapterSize(Path adapter) throws IOException {
        if (adapter == null) {
            return 0;
        }
        long bytes = 0;
        try (Stream<Path> s = Files.list(adapter)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".")) {
                    bytes += Files.size(p);
                }
            }
        }
        return bytes;
    }

    /** Bytes of a model file, or of the regular files of a model folder (hidden ones, such as checkpoints, left out). */
    static long sizeOnDisk(Path model) throws IOException {
        if (!Files.isDirectory(model)) {
            return Files.size(model);
        }
        try (Stream<Path> s = Files.walk(model)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> !model.relativize(p).toString().startsWith("."))
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }).sum();
        }
    }
}
