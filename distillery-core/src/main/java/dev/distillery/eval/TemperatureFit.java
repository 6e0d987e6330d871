package dev.distillery.eval;

import java.util.Locale;

/**
 * The outcome of {@link TemperatureScaling#choose}: the temperature the objective found, the held-out scores
 * with it and with T = 1, and whether the guard accepted it.
 *
 * @param objective      what the search minimised
 * @param fitted         the temperature the search found
 * @param accepted       whether {@code fitted} passed the guard; if not, T = 1 is applied
 * @param eceBefore      ECE (15 bins) on the held-out rows with T = 1
 * @param eceFitted      the same with {@code fitted}
 * @param ece10Before    ECE with 10 bins and T = 1: the guard's second binning
 * @param ece10Fitted    ECE with 10 bins and {@code fitted}
 * @param dropLowerBound 5th percentile of the paired bootstrap of ECE(T = 1) − ECE({@code fitted}), 15 bins
 * @param nllBefore      mean NLL with T = 1, in nats
 * @param nllFitted      the same with {@code fitted}
 * @param examples       held-out rows
 */
public record TemperatureFit(CalibrationObjective objective, double fitted, boolean accepted, double eceBefore,
                             double eceFitted, double ece10Before, double ece10Fitted, double dropLowerBound,
                             double nllBefore, double nllFitted, int examples) {

    /** The temperature to apply: the fitted one when accepted, else 1. */
    public double temperature() {
        return accepted ? fitted : 1;
    }

    /** Held-out ECE (15 bins) at the applied temperature. */
    public double eceAfter() {
        return accepted ? eceFitted : eceBefore;
    }

    /** Held-out NLL at the applied temperature. */
    public double nllAfter() {
        return accepted ? nllFitted : nllBefore;
    }

    /** One sentence for the manifest and logs: which temperature is applied and why. */
    public String guard() {
        return String.format(Locale.ROOT, "%s: fitted T %.4f (%s) moves validation ECE %.4f -> %.4f at 15 bins and"
                        + " %.4f -> %.4f at 10 bins; bootstrap 5th percentile of the 15-bin drop %.4f",
                accepted ? "accepted" : "rejected, T = 1 kept", fitted, objective.id(), eceBefore, eceFitted,
                ece10Before, ece10Fitted, dropLowerBound);
    }
}
