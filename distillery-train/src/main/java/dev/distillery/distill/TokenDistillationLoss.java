package dev.distillery.distill;

import dev.distillery.model.EncoderInput;
import dev.distillery.train.Loss;

/**
 * Token-level distillation of a causal language model: at every position of a sequence that has a
 * next token, the student's next-token distribution is pulled toward the teacher's.
 * <pre>
 *   p = softmax(teacher / T), q = softmax(student / T), over the N positions t with tokens t and t + 1 real
 *   loss = α·T²·mean_N[λ·KL(p ‖ q) + (1 − λ)·KL(q ‖ p)] + (1 − α)·mean_N[cross_entropy(student, token t + 1)]
 * </pre>
 * λ = 1 is forward KL, the word-level distillation of Hinton et al. 2015 and Kim and Rush 2016
 * ("Sequence-Level Knowledge Distillation"), which makes the student cover every mode of the
 * teacher; λ = 0 is reverse KL, the objective of MiniLLM (Gu, Dong, Wei and Huang 2024, "MiniLLM:
 * Knowledge Distillation of Large Language Models"), which makes it seek the teacher's main modes;
 * between is a mix. T² keeps the gradient's scale as T changes.
 *
 * <p>The reverse KL here is MiniLLM's objective at the token level with its exact gradient over the
 * whole vocabulary, d/ds_j T²·KL(q ‖ p) = T·q_j·(log q_j − log p_j − KL(q ‖ p)), on fixed contexts:
 * the training text or the teacher's own generations. MiniLLM proper optimises the sequence-level
 * reverse KL by policy gradient on sequences the student samples; its refinements (the single-step
 * decomposition, teacher-mixed sampling, length normalisation, and the pre-training loss beside it)
 * are not done here, so this is what MiniLLM's paper calls the token-level reverse-KL baseline.
 * The per-position arithmetic is {@link SoftTargetLoss#compute}'s (double precision, batch mean);
 * a mix is the λ-weighted sum of the two directions, which leaves the cross-entropy term whole.
 * Proven against {@code scripts/fixtures/make_token_distillation_fixture.py} and finite differences.
 *
 * @param forwardWeight λ: 1 forward KL, 0 reverse KL, between a mix
 * @param temperature   T, softening both distributions
 * @param alpha         weight of the distillation term; the rest goes to the next-token cross-entropy
 */
public record TokenDistillationLoss(double forwardWeight, double temperature, double alpha) {
    public TokenDistillationLoss {
        if (!(forwardWeight >= 0 && forwardWeight <= 1) || !(temperature > 0) || !(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("forward-KL weight " + forwardWeight + " and alpha " + alpha
                    + " must lie in [0, 1] and the temperature " + temperature + " be positive");
        }
    }

    /**
     * The loss of a batch and its gradient on the student's logits.
     *
     * @param student [batch·seq, vocab] student logits
     * @param teacher [batch·seq, vocab] teacher logits of the same input; unread when α = 0
     * @param input   the token ids and attention mask (right padding) both models saw
     * @return the loss and dLoss/dStudent [batch·seq, vocab], zero at positions that do not count
     * @throws IllegalArgumentException when no position has a next token
     */
    public Loss compute(float[] student, float[] teacher, EncoderInput input, int vocab) {
        int seq = input.seqLen();
        int[] mask = input.attentionMask();
        int n = 0;
        for (int b = 0; b < input.batch(); b++) {
            for (int s = 0; s + 1 < seq; s++) {
                int r = b * seq + s;
                if (mask[r] != 0 && mask[r + 1] != 0) {
                    n++;
                }
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no position has a next token to predict: sequences need two tokens");
        }
        int[] rows = new int[n];
        int[] targets = new int[n];
        n = 0;
        for (int b = 0; b < input.batch(); b++) {
            for (int s = 0; s + 1 < seq; s++) {
                int r = b * seq + s;
                if (mask[r] != 0 && mask[r + 1] != 0) {
                    rows[n] = r;
                    targets[n++] = input.inputIds()[r + 1];
                }
            }
        }
        boolean soft = alpha != 0;
        float[] s = gather(student, rows, vocab);
        float[] t = soft ? gather(teacher, rows, vocab) : null;
        Loss loss;
        if (!soft || forwardWeight == 1) {
            loss = SoftTargetLoss.compute(s, t, targets, vocab, Divergence.FORWARD_KL, temperature, alpha);
        } else if (forwardWeight == 0) {
            loss = SoftTargetLoss.compute(s, t, targets, vocab, Divergence.REVERSE_KL, temperature, alpha);
        } else {
            Loss f = SoftTargetLoss.compute(s, t, targets, vocab, Divergence.FORWARD_KL, temperature, alpha);
            Loss r = SoftTargetLoss.compute(s, t, targets, vocab, Divergence.REVERSE_KL, temperature, alpha);
            float[] d = new float[f.dLogits().length];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (forwardWeight * f.dLogits()[i] + (1 - forwardWeight) * r.dLogits()[i]);
            }
            loss = new Loss((float) (forwardWeight * f.value() + (1 - forwardWeight) * r.value()), d);
        }
        float[] d = new float[student.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(loss.dLogits(), i * vocab, d, rows[i] * vocab, vocab);
        }
        return new Loss(loss.value(), d);
    }

    private static float[] gather(float[] logits, int[] rows, int vocab) {
        float[] out = new float[rows.length * vocab];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(logits, rows[i] * vocab, out, i * vocab, vocab);
        }
        return out;
    }
}
