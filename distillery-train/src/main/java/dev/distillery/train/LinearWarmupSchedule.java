package dev.distillery.train;

/**
 * Linear warm-up from 0 to {@code baseLr} over {@code warmupSteps}, then linear decay to 0 at
 * {@code totalSteps}, as Hugging Face's {@code get_linear_schedule_with_warmup} on a
 * {@code LambdaLR}. Optimizer step k (0-based) uses {@code lr(k)}, so with warm-up the first step
 * has learning rate 0, exactly as there:
 * <pre>
 *   lr(k) = baseLr · k / max(1, warmup)                               k &lt; warmup
 *   lr(k) = baseLr · max(0, (total − k) / max(1, total − warmup))     otherwise
 * </pre>
 * Example: base 1e-3, warm-up 2, total 6 → 0, 5e-4, 1e-3, 7.5e-4, 5e-4, 2.5e-4.
 */
public record LinearWarmupSchedule(double baseLr, long warmupSteps, long totalSteps) {
    public LinearWarmupSchedule {
        if (!(baseLr >= 0) || warmupSteps < 0 || totalSteps < 0) {
            throw new IllegalArgumentException("schedule needs a non-negative learning rate and step counts: lr "
                    + baseLr + ", warm-up " + warmupSteps + ", total " + totalSteps);
        }
    }

    /** Warm-up steps for a ratio of the total, rounded up as Hugging Face's {@code get_warmup_steps}. */
    public static LinearWarmupSchedule withWarmupRatio(double baseLr, double warmupRatio, long totalSteps) {
        if (!(warmupRatio >= 0 && warmupRatio <= 1)) {
            throw new IllegalArgumentException("warm-up ratio " + warmupRatio + " is outside [0, 1]");
        }
        return new LinearWarmupSchedule(baseLr, (long) Math.ceil(totalSteps * warmupRatio), totalSteps);
    }

    public double lr(long step) {
        double factor = step < warmupSteps
                ? (double) step / Math.max(1, warmupSteps)
                : Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
        return baseLr * factor;
    }
}
