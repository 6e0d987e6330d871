package dev.distillery.distill;

import dev.distillery.train.Loss;
import dev.distillery.train.LossFunction;

/**
 * Soft-target distillation loss on logits (Hinton, Vinyals and Dean, "Distilling the Knowledge in a
 * Neural Network", 2015), with hard labels mixed in:
 * <pre>
 *   FORWARD_KL: α·T²·F.kl_div(log_softmax(s/T), softmax(t/T), reduction='batchmean') + (1−α)·F.cross_entropy(s, y)
 *   REVERSE_KL: α·T²·F.kl_div(log_softmax(t/T), softmax(s/T), reduction='batchmean') + (1−α)·F.cross_entropy(s, y)
 * </pre>
 * T² keeps the soft-target gradients on the scale of the hard-label ones as T changes. α = 0 is the
 * hard-label-only ablation: plain mean cross-entropy. Teacher logits are looked up by training row
 * in a {@link TeacherLogits} cache, so the teacher never runs during training.
 *
 * <p>Example: one row, student logits [0, 0], teacher [2, 0], T = 1, α = 1: p_teacher = (0.881, 0.119),
 * loss KL = 0.3278 and dLogits = q − p = [−0.381, 0.381].
 */
public final class SoftTargetLoss implements LossFunction {
    /** Hinton's and the seeds' defaults. */
    public static final double DEFAULT_TEMPERATURE = 2.0;
    public static final double DEFAULT_ALPHA = 0.5;

    private final TeacherLogits teacher;
    private final Divergence divergence;
    private final double temperature;
    private final double alpha;

    /** @param teacher cached teacher logits of the training rows; may be null only when {@code alpha} is 0 */
    public SoftTargetLoss(TeacherLogits teacher, Divergence divergence, double temperature, double alpha) {
        if (!(temperature > 0) || !(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("temperature must be positive and alpha in [0, 1]; got T = "
                    + temperature + ", alpha = " + alpha);
        }
        if (teacher == null && alpha != 0) {
            throw new IllegalArgumentException("soft targets (alpha " + alpha + ") need teacher logits");
        }
        this.teacher = teacher;
        this.divergence = divergence;
        this.temperature = temperature;
        this.alpha = alpha;
    }

    @Override
    public Loss compute(float[] logits, int numLabels, int[] rows, int[] labels) {
        if (teacher == null) {
            return compute(logits, null, labels, numLabels, divergence, temperature, alpha);
        }
        if (numLabels != teacher.numLabels()) {
            throw new IllegalArgumentException("the student has " + numLabels + " labels but the teacher logits "
                    + teacher.numLabels());
        }
        return compute(logits, teacher.rows(rows), labels, numLabels, divergence, temperature, alpha);
    }

    /**
     * The loss of one batch and its exact gradient dLoss/dStudent, computed in double.
     *
     * @param student [batch, labels] student logits
     * @param teacher [batch, labels] teacher logits of the same examples; unread, and may be null, when α = 0
     * @param labels  [batch] hard labels, read only when α &lt; 1
     */
    public static Loss compute(float[] student, float[] teacher, int[] labels, int numLabels, Divergence divergence,
                               double temperature, double alpha) {
        int batch = labels.length;
        boolean soft = alpha != 0;
        if (student.length != batch * numLabels || (soft && teacher.length != student.length)) {
            throw new IllegalArgumentException("student logits " + student.length + " and teacher logits "
                    + (soft ? teacher.length : 0) + " must both be [" + batch + ", " + numLabels + "]");
        }
        double t = temperature;
        float[] d = new float[student.length]; // [batch, labels]
        double total = 0;
        double[] q = new double[numLabels];     // student softmax(s/T)
        double[] logQ = new double[numLabels];
        double[] p = new double[numLabels];     // teacher softmax(t/T)
        double[] logP = new double[numLabels];
        double[] hard = new double[numLabels];  // softmax(s), for the cross-entropy
        double[] logHard = new double[numLabels];
        for (int b = 0; b < batch; b++) {
            int o = b * numLabels;
            double kl = 0;
            if (soft) { // with α = 0 (the hard-label ablation) the teacher is not consulted
                logSoftmax(student, o, numLabels, t, logQ, q);
                logSoftmax(teacher, o, numLabels, t, logP, p);
                if (divergence == Divergence.FORWARD_KL) {
                    for (int j = 0; j < numLabels; j++) {
                        if (p[j] > 0) {
                            kl += p[j] * (logP[j] - logQ[j]);
                        }
                    }
                    // d/ds_j of T²·KL(p‖q) = T·(q_j − p_j)
                    for (int j = 0; j < numLabels; j++) {
                        d[o + j] = (float) (alpha * t * (q[j] - p[j]) / batch);
                    }
                } else {
                    for (int j = 0; j < numLabels; j++) {
                        kl += q[j] * (logQ[j] - logP[j]);
                    }
                    // d/ds_j of T²·KL(q‖p) = T·q_j·(log q_j − log p_j − KL)
                    for (int j = 0; j < numLabels; j++) {
                        d[o + j] = (float) (alpha * t * q[j] * (logQ[j] - logP[j] - kl) / batch);
                    }
                }
            }
            total += alpha * t * t * kl;
            if (alpha < 1) {
                int y = labels[b];
                if (y < 0 || y >= numLabels) {
                    throw new IllegalArgumentException("label " + y + " of batch row " + b + " is outside [0, "
                            + numLabels + ")");
                }
                logSoftmax(student, o, numLabels, 1, logHard, hard);
                total -= (1 - alpha) * logHard[y];
                for (int j = 0; j < numLabels; j++) {
                    double g = hard[j] - (j == y ? 1 : 0);
                    d[o + j] = (float) (d[o + j] + (1 - alpha) * g / batch);
                }
            }
        }
        return new Loss((float) (total / batch), d);
    }

    /** log softmax(x[o..o+n) / t) into {@code log} and its exponent into {@code prob}. */
    private static void logSoftmax(float[] x, int o, int n, double t, double[] log, double[] prob) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, x[o + j] / t);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            sum += StrictMath.exp(x[o + j] / t - max);
        }
        double logSum = max + StrictMath.log(sum);
        for (int j = 0; j < n; j++) {
            log[j] = x[o + j] / t - logSum;
            prob[j] = StrictMath.exp(log[j]);
        }
    }
}
