package dev.distillery.verify;

import java.util.List;

/**
 * Everything a verification run measured, for {@link ReportWriter}.
 *
 * @param data           the test file as given
 * @param rows           labelled rows in it
 * @param labels         class names in logit order
 * @param benignClass    index of the class that is not a threat
 * @param classCounts    test rows per class
 * @param models         every model measured, the reference first
 * @param comparisons    the reference against each other model
 * @param robustnessNote why robustness is missing, or null when it was measured
 * @param platform       JDK, OS and CPU the figures were measured on
 * @param createdUtc     ISO-8601 instant of the run
 */
public record VerificationResult(String data, long rows, List<String> labels, int benignClass, long[] classCounts,
                                 List<ModelReport> models, List<Comparison> comparisons, String robustnessNote,
                                 String platform, String createdUtc) {
    public VerificationResult {
        labels = List.copyOf(labels);
        classCounts = classCounts.clone();
        models = List.copyOf(models);
        comparisons = List.copyOf(comparisons);
    }

    @Override
    public long[] classCounts() {
        return classCounts.clone();
    }

    /** True when class {@code c} holds fewer than {@link Verification#RARE_SHARE} of the rows. */
    public boolean rare(int c) {
        return classCounts[c] < Verification.RARE_SHARE * rows;
    }
}
