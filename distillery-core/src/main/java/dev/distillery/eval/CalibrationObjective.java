package dev.distillery.eval;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a temperature is fitted to minimise on held-out rows. {@link #NLL} is Guo et al.'s choice: a proper
 * scoring rule, convex in 1/T, so the fit is unique and stable. {@link #ECE} minimises the 15-bin expected
 * calibration error itself, the figure reports quote; it is piecewise constant in T and can follow the
 * bin edges, so {@link TemperatureScaling#choose} guards both with a second binning and a bootstrap.
 */
public enum CalibrationObjective {
    NLL("nll"),
    ECE("ece");

    private final String id;

    CalibrationObjective(String id) {
        this.id = id;
    }

    /** The name on the command line and in the manifest. */
    public String id() {
        return id;
    }

    /**
     * @throws IllegalArgumentException naming the accepted ids when {@code id} is none of them
     */
    public static CalibrationObjective fromId(String id) {
        for (CalibrationObjective o : values()) {
            if (o.id.equals(id.toLowerCase(Locale.ROOT))) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown calibration objective '" + id + "'; expected one of "
                + Arrays.stream(values()).map(CalibrationObjective::id).toList());
    }
}
