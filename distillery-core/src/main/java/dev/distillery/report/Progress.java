package dev.distillery.report;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress bar with rate, ETA and running loss, for one pass over a known number of items:
 * <pre>
 *   epoch 1/3 [=========&gt;          ]  45%  1200/2656 ex  35.1 ex/s  ETA 0:00:41  loss 0.4321
 * </pre>
 * On a terminal the line is redrawn in place with {@code \r} at most every {@value #REDRAW_MILLIS} ms;
 * otherwise (logs, CI) a plain line is printed every {@code plainIntervalMillis}, and always at the end.
 * The running loss is the mean of the losses reported so far.
 *
 * <p>Life cycle: create, {@link #advance} after each batch, {@link #close} once; close prints the
 * final line and ends it with a newline.
 * <pre>{@code
 * try (Progress p = Progress.onStderr("epoch 1/3", examples, "ex")) {
 *     for (...) { ...; p.advance(batch.length, loss); }
 * }
 * }</pre>
 */
public final class Progress implements AutoCloseable {
    static final int REDRAW_MILLIS = 100;
    private static final int BAR_WIDTH = 24;
    private static final long DEFAULT_PLAIN_INTERVAL_MILLIS = 10_000;

    private final String label;
    private final long total;
    private final String unit;
    private final PrintStream out;
    private final boolean interactive;
    private final LongSupplier nanoClock;
    private final long intervalNanos;
    private final long startNanos;
    private long done;
    private long skipped;
    private double lossSum;
    private long lossCount;
    private long lastPrintNanos;
    private int lastWidth;
    private boolean closed;

    /**
     * @param interactive   redraw one line with {@code \r} (a terminal) rather than print lines (a log)
     * @param nanoClock     time source in nanoseconds, {@link System#nanoTime} outside tests
     * @param plainIntervalMillis minimum time between two plain lines
     */
    public Progress(String label, long total, String unit, PrintStream out, boolean interactive, LongSupplier nanoClock,
                    long plainIntervalMillis) {
        if (total < 0) {
            throw new IllegalArgumentException("progress total must be non-negative, got " + total);
        }
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.out = out;
        this.interactive = interactive;
        this.nanoClock = nanoClock;
        this.intervalNanos = (interactive ? REDRAW_MILLIS : plainIntervalMillis) * 1_000_000L;
        this.startNanos = nanoClock.getAsLong();
        this.lastPrintNanos = startNanos;
    }

    /** A bar on standard error, redrawn in place when the process has a terminal. */
    public static Progress onStderr(String label, long total, String unit) {
        return on(System.err, label, total, unit);
    }

    /**
     * A bar on {@code out}, redrawn in place when the process has a terminal (the JDK tells whether
     * the console is one, not which stream; a redirected stderr on a terminal still gets {@code \r}).
     */
    public static Progress on(PrintStream out, String label, long total, String unit) {
        java.io.Console console = System.console();
        boolean terminal = console != null && console.isTerminal();
        return new Progress(label, total, unit, out, terminal, System::nanoTime, DEFAULT_PLAIN_INTERVAL_MILLIS);
    }

    /**
     * Counts {@code items} as done before this bar started (a resumed run), so they move the bar
     * and the ETA but not the rate.
     */
    public void skip(long items) {
        done += items;
        skipped += items;
    }

    /** Records {@code items} more done, without a loss. */
    public void advance(long items) {
        advance(items, Double.NaN);
    }

    /** Records {@code items} more done and one loss value for the running mean (NaN: none). */
    public void advance(long items, double loss) {
        done += items;
        if (!Double.isNaN(loss)) {
            lossSum += loss;
            lossCount++;
        }
        long now = nanoClock.getAsLong();
        if (now - lastPrintNanos >= intervalNanos) {
            print(now);
        }
    }

    public long done() {
        return done;
    }

    /** Mean of the losses reported so far, NaN before the first. */
    public double runningLoss() {
        return lossCount == 0 ? Double.NaN : lossSum / lossCount;
    }

    /** Items per second since the start, NaN before any time has passed. */
    public double rate() {
        return rate(nanoClock.getAsLong());
    }

    /** The current line, without control characters. */
    public String line() {
        return line(nanoClock.getAsLong());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        print(nanoClock.getAsLong());
        if (interactive) {
            out.println();
        }
        out.flush();
    }

    private void print(long now) {
        lastPrintNanos = now;
        String line = line(now);
        if (interactive) {
            // pad over the remains of a longer previous line
            int pad = Math.max(0, lastWidth - line.length());
            out.print("\r" + line + " ".repeat(pad));
            lastWidth = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    private double rate(long now) {
        double seconds = (now - startNanos) / 1e9;
        return seconds > 0 ? (done - skipped) / seconds : Double.NaN;
    }

    private String line(long now) {
        StringBuilder s = new StringBuilder(label);
        double fraction = total == 0 ? 1 : Math.min(1, (double) done / total);
        int filled = (int) Math.floor(fraction * BAR_WIDTH);
        s.append(" [").append("=".repeat(filled));
        if (filled < BAR_WIDTH) {
            s.append('>').append(" ".repeat(BAR_WIDTH - filled - 1));
        }
        s.append(String.format(Locale.ROOT, "] %3d%%  %d/%d %s", (int) Math.floor(fraction * 100), done, total, unit));
        double rate = rate(now);
        if (!Double.isNaN(rate)) {
            s.append(String.format(Locale.ROOT, "  %.1f %s/s", rate, unit));
            if (done < total && rate > 0) {
                s.append("  ETA ").append(duration((total - done) / rate));
            } else if (done >= total) {
                s.append("  in ").append(duration((now - startNanos) / 1e9));
            }
        }
        if (lossCount > 0) {
            s.append(String.format(Locale.ROOT, "  loss %.4f", runningLoss()));
        }
        return s.toString();
    }

    /** h:mm:ss, e.g. 3725.2 s → 1:02:05. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
