package dev.distillery.distill;

import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.nn.Parameter;
import dev.distillery.train.AuxiliaryLoss;

import java.util.ArrayList;
import java.util.List;

/**
 * Self-attention distribution transfer from MiniLM (Wang et al. 2020, "MiniLM: Deep Self-Attention
 * Distillation for Task-Agnostic Compression of Pre-Trained Transformers"): the KL divergence between
 * the teacher's and the student's attention distributions of their last layers, per head and query,
 * averaged over heads and non-padding queries:
 * <pre>
 *   weight · Σ_{b,h,q: mask[b,q]} Σ_k A_t[b,h,q,k] · (log A_t[b,h,q,k] − log A_s[b,h,q,k]) / (heads · Σ mask)
 * </pre>
 * Widths may differ, heads must match (the distributions are compared head by head). MiniLM's
 * value-relation term is not included. The teacher runs in evaluation mode on the same rows.
 */
public final class AttentionLoss implements AuxiliaryLoss {
    private final SequenceClassifier teacher;
    private final TokenizedExamples teacherExamples;
    private final float weight;

    /** @throws StudentConfigException when student and teacher have different head counts */
    public AttentionLoss(SequenceClassifier teacher, TokenizedExamples teacherExamples, SequenceClassifier student,
                         float weight) {
        if (teacher.config().numHeads() != student.config().numHeads()) {
            throw new StudentConfigException("attention distillation compares heads one to one, but the student has "
                    + student.config().numHeads() + " heads and the teacher " + teacher.config().numHeads());
        }
        if (student.config().numLayers() < 1 || teacher.config().numLayers() < 1) {
            throw new StudentConfigException("attention distillation needs at least one layer in student and teacher");
        }
        this.teacher = teacher;
        this.teacherExamples = teacherExamples;
        this.weight = weight;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }

    @Override
    public Result compute(SequenceClassifier.Trace trace, int[] rows, float scale) {
        EncoderInput input = trace.backbone().input();
        float[] teacherProbs = teacher.backbone().forwardTrain(teacherExamples.pad(rows), null).attentionProbs().getLast();
        List<float[]> studentLayers = trace.backbone().attentionProbs();
        int layers = studentLayers.size();
        float[] studentProbs = studentLayers.getLast();
        KlResult r = kl(teacherProbs, studentProbs, input.batch(), teacher.config().numHeads(), input.seqLen(),
                input.attentionMask(), weight * scale);
        List<float[]> d = new ArrayList<>(layers);
        for (int i = 0; i < layers - 1; i++) {
            d.add(null);
        }
        d.add(r.dStudent());
        return new Result(weight * r.value(), null, d);
    }

    /** A divergence value and scale·dValue/dStudentProbs. */
    record KlResult(float value, float[] dStudent) {
    }

    /**
     * The masked mean KL above without the weight; adds nothing anywhere, returns scale·gradient.
     *
     * @param teacherProbs [batch, heads, seq, seq]
     * @param studentProbs [batch, heads, seq, seq]
     * @param mask         [batch·seq], 1 for real tokens
     */
    static KlResult kl(float[] teacherProbs, float[] studentProbs, int batch, int heads, int seq, int[] mask,
                         float scale) {
        if (teacherProbs.length != studentProbs.length || studentProbs.length != batch * heads * seq * seq) {
            throw new IllegalArgumentException("attention probabilities " + teacherProbs.length + " and "
                    + studentProbs.length + " must both be [" + batch + ", " + heads + ", " + seq + ", " + seq + "]");
        }
        int queries = 0;
        for (int m : mask) {
            queries += m != 0 ? 1 : 0;
        }
        float[] d = new float[studentProbs.length];
        if (queries == 0) {
            return new KlResult(0, d);
        }
        double norm = (double) heads * queries;
        double total = 0;
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int q = 0; q < seq; q++) {
                    if (mask[b * seq + q] == 0) {
                        continue;
                    }
                    int row = ((b * heads + h) * seq + q) * seq;
                    for (int k = row; k < row + seq; k++) {
                        double t = teacherProbs[k];
                        if (t > 0) { // masked keys have probability exactly 0 for both models
                            double s = studentProbs[k];
                            total += t * (StrictMath.log(t) - StrictMath.log(s));
                            d[k] = (float) (-scale * t / s / norm);
                        }
                    }
                }
            }
        }
        return new KlResult((float) (total / norm), d);
    }
}
