package dev.distillery.eval;

import java.util.List;

/**
 * How well top-class confidence matches accuracy.
 *
 * @param ece   expected calibration error, Σ_b (|b| / n) · |accuracy(b) − confidence(b)|
 * @param brier mean over examples of Σ_k (p_k − y_k)², y one-hot; 0 is perfect, 2 the worst
 * @param bins  the equal-width confidence bins, lowest first, including empty ones
 */
public record CalibrationReport(double ece, double brier, List<Bin> bins) {
    public CalibrationReport {
        bins = List.copyOf(bins);
    }

    /**
     * One confidence bin {@code (lower, upper]} (the first also holds confidence 0).
     *
     * @param accuracy   fraction of the bin's examples whose top class is right; 0 when empty
     * @param confidence mean top-class probability in the bin; 0 when empty
     */
    public record Bin(double lower, double upper, long count, double accuracy, double confidence) {
    }
}
