package dev.distillery.train;

import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.TokenSequences;
import dev.distillery.nn.Parameter;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A causal language model trained on next-token prediction over {@link TokenSequences} (loss only
 * on labelled positions, averaged over the batch's scored positions as transformers does), scored
 * after each epoch by the validation loss (the best epoch is the one of lowest loss; its
 * perplexity is e^loss). Whatever the model's parameters are (a full model, or LoRA adapters on a
 * frozen base) is what trains.
 * <pre>{@code
 * TrainingResult r = new Trainer(new CausalLmTask(lm, "tiny + lora r8", train, validation, 8), options).fit();
 * }</pre>
 */
public final class CausalLmTask implements TrainingTask {
    private final CausalLanguageModel model;
    private final String description;
    private final TokenSequences train;
    private final TokenSequences validation;
    private final int evalBatchSize;

    /**
     * @param description what checkpoints record of the model (its config and adapter settings), so a
     *                    resume on another one is refused
     * @param validation  sequences to score after each epoch, or null for none
     */
    public CausalLmTask(CausalLanguageModel model, String description, TokenSequences train, TokenSequences validation,
                        int evalBatchSize) {
        if (!model.trainable()) {
            throw new IllegalArgumentException("the " + model.config().family() + " model has nothing to train: it is "
                    + "frozen and carries no trainable adapter");
        }
        int vocab = model.config().vocabSize();
        int positions = model.config().maxPositions();
        for (TokenSequences set : validation == null ? List.of(train) : List.of(train, validation)) {
            for (int i = 0; i < set.size(); i++) {
                if (set.ids()[i].length > positions) {
                    throw new IllegalArgumentException(set.name() + ": sequence " + i + " has " + set.ids()[i].length
                            + " tokens but the model takes at most " + positions + "; lower the maximum length");
                }
                for (int id : set.ids()[i]) {
                    if (id < 0 || id >= vocab) {
                        throw new IllegalArgumentException(set.name() + ": sequence " + i + " holds token id " + id
                                + ", outside the model's vocabulary of " + vocab + ": tokenized with another tokenizer?");
                    }
                }
            }
        }
        this.model = model;
        this.description = description;
        this.train = train;
        this.validation = validation == null || validation.size() == 0 ? null : validation;
        this.evalBatchSize = evalBatchSize;
    }

    @Override
    public String model() {
        return description;
    }

    @Override
    public List<Parameter> parameters() {
        return model.parameters();
    }

    @Override
    public TokenSequences examples() {
        return train;
    }

    @Override
    public float backwardBatch(int[] rows, float scale, SplittableRandom rng) {
        EncoderInput input = train.pad(rows);
        CausalLanguageModel.Trace trace = model.forwardTrain(input, rng);
        CausalLanguageModel.TrainingStep step = model.withLoss(trace, train.labels(rows));
        float[] dLogits = step.dLogits();
        if (scale != 1f) {
            for (int i = 0; i < dLogits.length; i++) {
                dLogits[i] *= scale;
            }
        }
        model.backward(trace, dLogits, null, null);
        return step.loss();
    }

    @Override
    public boolean hasValidation() {
        return validation != null;
    }

    /** Mean next-token loss over every scored validation position; the score is its negative. */
    @Override
    public EpochSummary validate() {
        double sum = 0;
        long positions = 0;
        for (int from = 0; from < validation.size(); from += evalBatchSize) {
            int[] rows = new int[Math.min(evalBatchSize, validation.size() - from)];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = from + i;
            }
            EncoderInput input = validation.pad(rows);
            CausalLanguageModel.NextTokenLoss l = model.nextTokenLoss(input, model.logits(input),
                    validation.labels(rows));
            sum += (double) l.value() * l.positions();
            positions += l.positions();
        }
        double loss = sum / positions;
        return new EpochSummary(0, Double.NaN, loss, Double.NaN, Double.NaN, -loss, false, 0);
    }
}
