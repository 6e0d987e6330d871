package dev.distillery.eval;

/**
 * One-vs-rest ROC-AUC of every class and their unweighted mean.
 *
 * @param perClass AUC of class c (positives: true class c; score: probability of c), NaN when the
 *                 class has no positive or no negative example
 * @param macro    mean of {@code perClass}; NaN when any class is NaN, since averaging a subset would
 *                 silently change what the number means
 */
public record RocAuc(double macro, double[] perClass) {
    public RocAuc {
        perClass = perClass.clone();
    }

    @Override
    public double[] perClass() {
        return perClass.clone();
    }
}
