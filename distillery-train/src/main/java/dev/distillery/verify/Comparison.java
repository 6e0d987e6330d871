package dev.distillery.verify;

import java.util.List;

/**
 * What a model lost (and gained) against the reference on the same test rows. A threat is a row whose
 * true class is not the benign one; a model catches it when it predicts any non-benign class.
 *
 * @param agreement             share of rows on which both predict the same class
 * @param referenceOnlyCaught   threats the reference caught and the model missed (count)
 * @param referenceOnly         the first of them, most confident reference first
 * @param modelOnlyCaught       threats the model caught and the reference missed (count)
 * @param modelOnly             the first of them, most confident model first
 * @param referenceFalsePositives benign rows the reference flagged; the other counts likewise
 * @param perClass              recall and F1 per class, rare classes flagged
 */
public record Comparison(String reference, String model, long rows, double agreement, long referenceOnlyCaught,
                         List<Miss> referenceOnly, long modelOnlyCaught, List<Miss> modelOnly,
                         long referenceFalsePositives, long modelFalsePositives, long referenceFalseNegatives,
                         long modelFalseNegatives, List<ClassDelta> perClass) {
    public Comparison {
        referenceOnly = List.copyOf(referenceOnly);
        modelOnly = List.copyOf(modelOnly);
        perClass = List.copyOf(perClass);
    }

    public long falsePositiveDelta() {
        return modelFalsePositives - referenceFalsePositives;
    }

    public long falseNegativeDelta() {
        return modelFalseNegatives - referenceFalseNegatives;
    }
}
