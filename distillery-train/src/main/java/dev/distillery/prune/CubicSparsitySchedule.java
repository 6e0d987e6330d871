package dev.distillery.prune;

/**
 * Zhu and Gupta's gradual pruning schedule ("To prune, or not to prune", 2017): sparsity rises
 * from {@code initial} to {@code target} over optimizer steps [begin, end] as
 * <pre>
 *   s_t = s_f + (s_i − s_f) · (1 − (t − t₀) / (end − t₀))³
 * </pre>
 * fast at first, while many redundant weights remain, then slowly. Masks are recomputed every
 * {@code frequency} steps and at {@code end}; before {@code begin} it is {@code initial}, after
 * {@code end} {@code target}. With {@code end == begin} it is one-shot at {@code begin}.
 */
public record CubicSparsitySchedule(double initial, double target, long begin, long end, long frequency) {
    public CubicSparsitySchedule {
        if (!(initial >= 0 && initial <= target && target < 1) || begin < 0 || end < begin || frequency < 1) {
            throw new IllegalArgumentException("a sparsity schedule needs 0 ≤ initial " + initial + " ≤ target " + target
                    + " < 1, 0 ≤ begin " + begin + " ≤ end " + end + " and a frequency " + frequency + " ≥ 1");
        }
    }

    /** A schedule over {@code totalSteps} optimizer steps: from 0, ending at two thirds, masks every tenth of that. */
    public static CubicSparsitySchedule over(long totalSteps, double target) {
        long end = Math.max(1, totalSteps * 2 / 3);
        return new CubicSparsitySchedule(0, target, 0, end, Math.max(1, end / 10));
    }

    public double at(long step) {
        if (step <= begin) {
            return end == begin ? target : initial;
        }
        if (step >= end) {
            return target;
        }
        double left = 1 - (double) (step - begin) / (end - begin);
        return target + (initial - target) * left * left * left;
    }

    /** Whether masks are recomputed after optimizer step {@code step}. */
    public boolean updatesAt(long step) {
        return step >= begin && step <= end && ((step - begin) % frequency == 0 || step == end);
    }
}
