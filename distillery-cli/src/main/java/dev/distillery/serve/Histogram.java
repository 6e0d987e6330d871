package dev.distillery.serve;

import java.util.Arrays;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram: counts of observations at or below each upper bound, their sum and count.
 * Updates are lock-free; a scrape may see a count that is one observation ahead of the sum.
 */
final class Histogram {
    private final double[] upperBounds;
    private final LongAdder[] counts; // [bounds + 1], the last one past every bound (+Inf)
    private final DoubleAdder sum = new DoubleAdder();

    Histogram(double... upperBounds) {
        for (int i = 1; i < upperBounds.length; i++) {
            if (!(upperBounds[i] > upperBounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must increase: " + Arrays.toString(upperBounds));
            }
        }
        this.upperBounds = upperBounds.clone();
        this.counts = new LongAdder[upperBounds.length + 1];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void observe(double value) {
        int i = 0;
        while (i < upperBounds.length && value > upperBounds[i]) {
            i++;
        }
        counts[i].increment();
        sum.add(value);
    }

    long count() {
        long n = 0;
        for (LongAdder c : counts) {
            n += c.sum();
        }
        return n;
    }

    /** Appends {@code name_bucket}, {@code name_sum} and {@code name_count} lines; {@code labels} is "" or {@code k="v",}. */
    void render(StringBuilder out, String name, String labels) {
        long cumulative = 0;
        for (int i = 0; i <= upperBounds.length; i++) {
            cumulative += counts[i].sum();
            String le = i < upperBounds.length ? format(upperBounds[i]) : "+Inf";
            out.append(name).append("_bucket{").append(labels).append("le=\"").append(le).append("\"} ")
                    .append(cumulative).append('\n');
        }
        String plain = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}";
        out.append(name).append("_sum").append(plain).append(' ').append(format(sum.sum())).append('\n');
        out.append(name).append("_count").append(plain).append(' ').append(cumulative).append('\n');
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
