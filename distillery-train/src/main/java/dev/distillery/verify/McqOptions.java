package dev.distillery.verify;

import dev.distillery.eval.mcq.McqPrompt;
import dev.distillery.robust.QuestionAttackOptions;

import java.nio.file.Path;

/**
 * What {@code mcq} measures: one decoder on one question file.
 *
 * @param model     a decoder folder or file ({@link dev.distillery.generate.LanguageModel#load})
 * @param adapter   a PEFT LoRA adapter folder applied to the model, or null for none
 * @param data      the questions, JSON Lines ({@link dev.distillery.eval.mcq.McqQuestion#read})
 * @param subject   named in the prompt's header line ({@link dev.distillery.eval.mcq.McqPrompt})
 * @param shots     solved questions before each question; 0 for zero-shot
 * @param shotPool  where shots are drawn from (questions of {@code data} are removed from it), or null for the
 *                  bundled pool
 * @param seed      seeds the draw of shots
 * @param limit     score only the first this many questions; 0 for all
 * @param attack    how to attack the questions, or null to skip robustness
 * @param attackQuestions attack only the first this many questions; 0 for all
 */
public record McqOptions(Path model, Path adapter, Path data, String subject, int shots, Path shotPool, long seed, int limit,
                         QuestionAttackOptions attack, int attackQuestions) {
    public McqOptions {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("the prompt's subject must not be blank");
        }
        if (shots < 0 || limit < 0 || attackQuestions < 0) {
            throw new IllegalArgumentException("shots " + shots + ", question limit " + limit + " and attacked questions "
                    + attackQuestions + " must be non-negative");
        }
    }

    public static McqOptions of(Path model, Path data) {
        return new McqOptions(model, null, data, McqPrompt.CYBERSECURITY.subject(), 0, null, 42, 0, null, 0);
    }

    /** @param dir a PEFT LoRA adapter folder to apply to the model, or null for none */
    public McqOptions withAdapter(Path dir) {
        return new McqOptions(model, dir, data, subject, shots, shotPool, seed, limit, attack, attackQuestions);
    }

    public McqOptions withSubject(String s) {
        return new McqOptions(model, adapter, data, s, shots, shotPool, seed, limit, attack, attackQuestions);
    }

    public McqOptions withShots(int k, Path pool) {
        return new McqOptions(model, adapter, data, subject, k, pool, seed, limit, attack, attackQuestions);
    }

    public McqOptions withSeed(long s) {
        return new McqOptions(model, adapter, data, subject, shots, shotPool, s, limit, attack, attackQuestions);
    }

    public McqOptions withLimit(int n) {
        return new McqOptions(model, adapter, data, subject, shots, shotPool, seed, n, attack, attackQuestions);
    }

    public McqOptions withAttack(QuestionAttackOptions a, int questions) {
        return new McqOptions(model, adapter, data, subject, shots, shotPool, seed, limit, a, questions);
    }
}
