package dev.distillery.verify;

/**
 * One class scored for the reference and the compared model.
 *
 * @param rare true when the class holds fewer than {@link Verification#RARE_SHARE} of the test rows
 */
public record ClassDelta(String label, long support, boolean rare, double referenceRecall, double modelRecall,
                         double referenceF1, double modelF1) {
}
