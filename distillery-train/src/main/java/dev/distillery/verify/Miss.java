package dev.distillery.verify;

/**
 * A test row on which the reference and the compared model disagree about whether it is a threat.
 *
 * @param row                  0-based row of the test file (header not counted)
 * @param text                 the text as the models saw it (after the text transform)
 * @param referenceProbability the reference's probability of the true class
 * @param modelProbability     the compared model's probability of the true class
 */
public record Miss(int row, String text, String actual, String referencePredicted, String modelPredicted,
                   double referenceProbability, double modelProbability) {
}
