package dev.distillery.pipeline;

import dev.distillery.lora.LoraConfig;
import dev.distillery.train.TrainOptions;

import java.nio.file.Path;

/**
 * What {@link TeacherTraining#run} does.
 *
 * @param baseModel     {@code minilm} or a Hugging Face checkpoint folder to fine-tune
 * @param dataDir       folder holding {@code train}, {@code validation} and {@code test} files, or null
 * @param train         training file when {@code dataDir} is null; null for both means the bundled phishing URLs
 * @param validation    validation file (may be null: then no model selection or early stopping)
 * @param test          test file, or null
 * @param textColumn    text column, or null for {@code url}, else {@code text}
 * @param labelColumn   label column
 * @param normalizeUrls apply {@code url-normalize} when reading and record it for prediction
 * @param maxLength     tokens per text including [CLS] and [SEP]
 * @param maxTrainRows  train on a seeded random subset of at most this many rows; 0 for all
 * @param classWeights  weight the loss by inverse class frequency
 * @param training      optimizer, schedule, epochs, seed and checkpoint settings
 * @param out           model folder to write; checkpoints go to {@code out/.checkpoints}
 * @param resume        continue the run whose checkpoint is in {@code out/.checkpoints}
 * @param command       the command line, for the manifest
 * @param lora          LoRA adapters to train on the frozen encoder (its targets as the user named
 *                      them: roles or PEFT module names), the head training in full; null to train
 *                      every weight
 */
public record TeacherOptions(String baseModel, Path dataDir, Path train, Path validation, Path test, String textColumn,
                             String labelColumn, boolean normalizeUrls, int maxLength, int maxTrainRows,
                             boolean classWeights, TrainOptions training, Path out, boolean resume, String command,
                             LoraConfig lora) {
    /** Every weight trains (no LoRA). */
    public TeacherOptions(String baseModel, Path dataDir, Path train, Path validation, Path test, String textColumn,
                          String labelColumn, boolean normalizeUrls, int maxLength, int maxTrainRows,
                          boolean classWeights, TrainOptions training, Path out, boolean resume, String command) {
        this(baseModel, dataDir, train, validation, test, textColumn, labelColumn, normalizeUrls, maxLength, maxTrainRows,
                classWeights, training, out, resume, command, null);
    }

    public TeacherOptions {
        if (maxLength < 3) {
            throw new IllegalArgumentException("max length " + maxLength + " leaves no room for text between [CLS] and [SEP]");
        }
        if (maxTrainRows < 0) {
            throw new IllegalArgumentException("max train rows must be 0 (all) or positive, got " + maxTrainRows);
        }
        if (dataDir != null && (train != null || validation != null || test != null)) {
            throw new IllegalArgumentException("give either a data folder or train/validation/test files, not both");
        }
        if (train == null && (validation != null || test != null)) {
            throw new IllegalArgumentException("validation and test files need a train file");
        }
    }
}
