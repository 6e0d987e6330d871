package dev.distillery.distill;

import dev.distillery.model.SequenceClassifier;
import dev.distillery.nn.Parameter;
import dev.distillery.train.AuxiliaryLoss;

import java.util.ArrayList;
import java.util.List;

/** Several auxiliary objectives as one, since the Trainer takes one: values and gradients add. */
final class AuxiliarySum implements AuxiliaryLoss {
    private final List<AuxiliaryLoss> parts;

    AuxiliarySum(List<AuxiliaryLoss> parts) {
        this.parts = List.copyOf(parts);
    }

    /** The single objective, the sum of several, or null for none. */
    static AuxiliaryLoss of(List<AuxiliaryLoss> parts) {
        return parts.isEmpty() ? null : parts.size() == 1 ? parts.getFirst() : new AuxiliarySum(parts);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        for (AuxiliaryLoss p : parts) {
            all.addAll(p.parameters());
        }
        return all;
    }

    @Override
    public Result compute(SequenceClassifier.Trace trace, int[] rows, float scale) {
        float value = 0;
        List<float[]> hidden = null;
        List<float[]> attention = null;
        for (AuxiliaryLoss p : parts) {
            Result r = p.compute(trace, rows, scale);
            value += r.value();
            hidden = merge(hidden, r.dHiddenStates());
            attention = merge(attention, r.dAttentionProbs());
        }
        return new Result(value, hidden, attention);
    }

    private static List<float[]> merge(List<float[]> into, List<float[]> more) {
        if (more == null) {
            return into;
        }
        if (into == null) {
            return new ArrayList<>(more);
        }
        for (int i = 0; i < into.size(); i++) {
            float[] a = into.get(i);
            float[] b = more.get(i);
            if (a == null) {
                into.set(i, b);
            } else if (b != null) {
                float[] sum = a.clone();
                for (int j = 0; j < sum.length; j++) {
                    sum[j] += b[j];
                }
                into.set(i, sum);
            }
        }
        return into;
    }
}
