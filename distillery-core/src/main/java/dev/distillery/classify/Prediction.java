package dev.distillery.classify;

import java.util.List;

/**
 * A classifier's answer for one text.
 *
 * @param labelIndex    index of the most probable class (the first on ties)
 * @param label         its name
 * @param labels        every class name, in logit order
 * @param probabilities softmax probability of each class, {@code [labels]}
 */
public record Prediction(int labelIndex, String label, List<String> labels, float[] probabilities) {
    public float probability(String labelName) {
        int i = labels.indexOf(labelName);
        if (i < 0) {
            throw new IllegalArgumentException("no label '" + labelName + "' among " + labels);
        }
        return probabilities[i];
    }
}
