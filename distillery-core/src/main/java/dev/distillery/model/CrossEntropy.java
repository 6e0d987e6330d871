package dev.distillery.model;

/**
 * {@code torch.nn.CrossEntropyLoss(weight=w)} with mean reduction:
 * loss = Σᵢ w[yᵢ]·(−log softmax(zᵢ)[yᵢ]) / Σᵢ w[yᵢ], every w = 1 without class weights.
 */
public final class CrossEntropy {
    private CrossEntropy() {
    }

    /** @param dLogits dLoss/dLogits [batch, labels] */
    public record Loss(float value, float[] dLogits) {
    }

    /**
     * @param logits [batch, labels]
     * @param labels class index per row
     * @param classWeights [labels] or null for unweighted
     */
    public static Loss compute(float[] logits, int[] labels, int numLabels, float[] classWeights) {
        int batch = labels.length;
        if (logits.length != batch * numLabels) {
            throw new IllegalArgumentException(logits.length + " logits do not hold " + batch + " rows of "
                    + numLabels + " labels");
        }
        if (classWeights != null && classWeights.length != numLabels) {
            throw new IllegalArgumentException(classWeights.length + " class weights for " + numLabels + " labels");
        }
        double weightSum = 0;
        double lossSum = 0;
        double[] probs = new double[logits.length];
        for (int b = 0; b < batch; b++) {
            int y = labels[b];
            if (y < 0 || y >= numLabels) {
                throw new IllegalArgumentException("label " + y + " of example " + b + " is outside [0, " + numLabels + ")");
            }
            int row = b * numLabels;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < numLabels; j++) {
                max = Math.max(max, logits[row + j]);
            }
            double sum = 0;
            for (int j = 0; j < numLabels; j++) {
                probs[row + j] = StrictMath.exp(logits[row + j] - max);
                sum += probs[row + j];
            }
            for (int j = 0; j < numLabels; j++) {
                probs[row + j] /= sum;
            }
            double w = classWeights == null ? 1.0 : classWeights[y];
            lossSum += w * (StrictMath.log(sum) + max - logits[row + y]);
            weightSum += w;
        }
        float[] d = new float[logits.length];
        for (int b = 0; b < batch; b++) {
            int row = b * numLabels;
            double w = (classWeights == null ? 1.0 : classWeights[labels[b]]) / weightSum;
            for (int j = 0; j < numLabels; j++) {
                d[row + j] = (float) (w * (probs[row + j] - (j == labels[b] ? 1.0 : 0.0)));
            }
        }
        return new Loss((float) (lossSum / weightSum), d);
    }
}
