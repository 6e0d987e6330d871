package dev.distillery.distill;

import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.nn.Linear;
import dev.distillery.nn.Parameter;
import dev.distillery.train.AuxiliaryLoss;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Hidden-state distillation (FitNets, Romero et al. 2015; TinyBERT, Jiao et al. 2020): the student's
 * hidden states, through one learned linear projection W_h when the widths differ, regress the
 * teacher's at matched depths, over non-padding tokens:
 * <pre>
 *   weight · mean over pairs (i, j) of F.mse_loss(F.linear(h_s[i], W, b)[mask], h_t[j][mask])
 * </pre>
 * Pairs: the embedding outputs, then student layer k with teacher layer {@link StudentFactory#spread}[k],
 * so a student initialised from the teacher starts matched. The teacher runs in evaluation mode on the
 * same rows (teacher-tokenized; a trimmed student vocabulary changes ids, never lengths), so unlike
 * logits its states are not cached: they would take rows·tokens·width floats per layer.
 */
public final class HiddenStateLoss implements AuxiliaryLoss {
    /** Name of the projection's parameters; not part of the student's saved weights. */
    public static final String PROJECTION = "distill.hidden_projection";

    private final SequenceClassifier teacher;
    private final TokenizedExamples teacherExamples;
    private final int[] teacherStateOfStudentState; // [student layers + 1]
    private final Linear projection; // [teacher width, student width], null when the widths match
    private final float weight;

    /**
     * @param teacherExamples the training examples tokenized for the teacher, row-aligned with the student's
     * @param seed            initialises the projection (HF's N(0, 0.02²))
     */
    public HiddenStateLoss(SequenceClassifier teacher, TokenizedExamples teacherExamples,
                           SequenceClassifier student, float weight, long seed) {
        int studentLayers = student.config().numLayers();
        int[] spread = StudentFactory.spread(teacher.config().numLayers(), studentLayers);
        teacherStateOfStudentState = new int[studentLayers + 1];
        for (int k = 0; k < studentLayers; k++) {
            teacherStateOfStudentState[k + 1] = spread[k] + 1;
        }
        int ds = student.config().hiddenSize();
        int dt = teacher.config().hiddenSize();
        this.projection = ds == dt ? null : Linear.random(PROJECTION, ds, dt, new SplittableRandom(seed));
        this.teacher = teacher;
        this.teacherExamples = teacherExamples;
        this.weight = weight;
    }

    @Override
    public List<Parameter> parameters() {
        return projection == null ? List.of() : projection.parameters();
    }

    @Override
    public Result compute(SequenceClassifier.Trace trace, int[] rows, float scale) {
        EncoderInput input = trace.backbone().input();
        EncoderInput teacherInput = teacherExamples.pad(rows);
        if (teacherInput.seqLen() != input.seqLen()) {
            throw new IllegalStateException("teacher batch of " + teacherInput.seqLen() + " tokens for a student batch of "
                    + input.seqLen() + ": the two tokenizations are not aligned");
        }
        List<float[]> teacherStates = teacher.backbone().hiddenStates(teacherInput);
        List<float[]> studentStates = trace.backbone().hiddenStates();
        List<float[]> t = new ArrayList<>();
        for (int j : teacherStateOfStudentState) {
            t.add(teacherStates.get(j));
        }
        Result r = mse(studentStates, t, input.attentionMask(), projection, weight * scale);
        return new Result(weight * r.value(), r.dHiddenStates());
    }

    /**
     * Mean over pairs of the masked mean squared error between {@code projection(student[i])} (or
     * {@code student[i]} itself when null) and {@code teacher[i]}; adds scale·gradient into the
     * projection and returns the unscaled value with scale·dLoss/dStudent.
     *
     * @param student pairs of [rows, student width]
     * @param teacher pairs of [rows, teacher width]
     * @param mask    [rows], 1 for tokens that count
     */
    static Result mse(List<float[]> student, List<float[]> teacher, int[] mask, Linear projection, float scale) {
        int rows = mask.length;
        int counted = 0;
        for (int m : mask) {
            counted += m != 0 ? 1 : 0;
        }
        int pairs = student.size();
        List<float[]> grads = new ArrayList<>(pairs);
        double total = 0;
        for (int i = 0; i < pairs; i++) {
            float[] hs = student.get(i);
            float[] ht = teacher.get(i);
            float[] predicted = projection == null ? hs : projection.forward(hs, rows); // [rows, teacher width]
            int dt = ht.length / rows;
            if (predicted.length != ht.length) {
                throw new IllegalArgumentException("student state " + i + " gives " + predicted.length / rows
                        + " values per token, the teacher's " + dt);
            }
            float[] dPredicted = new float[predicted.length];
            double sum = 0;
            double norm = (double) counted * dt * pairs;
            for (int r = 0; r < rows; r++) {
                if (mask[r] == 0) {
                    continue;
                }
                for (int c = r * dt; c < (r + 1) * dt; c++) {
                    double diff = predicted[c] - ht[c];
                    sum += diff * diff;
                    dPredicted[c] = (float) (scale * 2 * diff / norm);
                }
            }
            total += counted == 0 ? 0 : sum / ((double) counted * dt);
            grads.add(projection == null ? dPredicted : projection.backward(hs, dPredicted, rows, null));
        }
        if (counted == 0) {
            grads.replaceAll(g -> new float[g.length]);
        }
        return new Result((float) (total / pairs), grads);
    }

    /** The teacher hidden-state index matched to each student hidden state (0 = embeddings), for reports. */
    public int[] teacherStates() {
        return Arrays.copyOf(teacherStateOfStudentState, teacherStateOfStudentState.length);
    }
}
