package dev.distillery.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Charts drawn as inline SVG from plain numbers: a scatter with its Pareto front, a reliability diagram
 * and a confusion-matrix heat map. Nothing here computes results beyond placing them on axes.
 */
public final class Charts {
    /** One colour per series, readable on white and distinct for common colour-vision deficiencies (Okabe–Ito). */
    public static final List<String> PALETTE = List.of("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
            "#000000", "#F0E442");
    private static final String AXIS = "#444";
    private static final String GRID = "#e4e4e4";
    private static final double LEFT = 56;
    private static final double RIGHT = 18;
    private static final double TOP = 30;
    private static final double BOTTOM = 46;
    private static final double POINT_RADIUS = 6;
    private static final double LABEL_SIZE = 11;
    /** Class of a scatter point's label in the SVG, so a page (or a test) can find the labels. */
    public static final String POINT_LABEL = "point-label";

    private Charts() {
    }

    /** A labelled point; {@code color} from {@link #PALETTE}. */
    public record Point(String label, double x, double y, String color) {
    }

    /**
     * Points with the Pareto front (lower x and higher y both better) joined by a step line.
     *
     * @param logX a log-scale x axis (all x must be positive)
     */
    public static String pareto(String title, String xLabel, String yLabel, List<Point> points, boolean logX) {
        double w = 440;
        double h = 300;
        Svg svg = new Svg(w, h, title);
        svg.text(w / 2, 18, title, 13, "middle", "#222", true, 0);
        List<Point> shown = points.stream().filter(p -> Double.isFinite(p.x()) && Double.isFinite(p.y())
                && (!logX || p.x() > 0)).toList();
        if (shown.isEmpty()) {
            svg.rect(LEFT, TOP, w - LEFT - RIGHT, h - TOP - BOTTOM, "#fafafa", GRID, null);
            svg.text(w / 2, h / 2, "not measured", 12, "middle", "#777", false, 0);
            return svg.toString();
        }
        double xMin = shown.stream().mapToDouble(Point::x).min().orElseThrow();
        double xMax = shown.stream().mapToDouble(Point::x).max().orElseThrow();
        double yMin = shown.stream().mapToDouble(Point::y).min().orElseThrow();
        double yMax = shown.stream().mapToDouble(Point::y).max().orElseThrow();
        Axis x = logX ? Axis.log(xMin, xMax, LEFT, w - RIGHT) : Axis.linear(xMin, xMax, LEFT, w - RIGHT, false);
        Axis y = Axis.linear(Math.max(0, yMin - 0.02), Math.min(1, yMax + 0.02), h - BOTTOM, TOP, true);
        frame(svg, x, y, w, h, xLabel, yLabel);

        List<Point> front = paretoFront(shown);
        if (front.size() > 1) {
            double[] xy = new double[front.size() * 4 - 2];
            int k = 0;
            for (int i = 0; i < front.size(); i++) {
                if (i > 0) { // step: along x at the previous y, then up
                    xy[k++] = x.map(front.get(i).x());
                    xy[k++] = y.map(front.get(i - 1).y());
                }
                xy[k++] = x.map(front.get(i).x());
                xy[k++] = y.map(front.get(i).y());
            }
            svg.polyline(xy, "#999", 1.5, true);
        }
        double[] centres = new double[shown.size() * 2];
        for (int i = 0; i < shown.size(); i++) {
            centres[2 * i] = x.map(shown.get(i).x());
            centres[2 * i + 1] = y.map(shown.get(i).y());
        }
        // models often sit close (a student and its INT8 copy), so labels are placed where they cover nothing
        List<LabelPlacer.Placed> labels = LabelPlacer.place(centres, shown.stream().map(Point::label).toList(), POINT_RADIUS,
                LABEL_SIZE, new LabelPlacer.Box(LEFT + 2, TOP - 6, w - 2, h - BOTTOM - 2));
        for (int i = 0; i < shown.size(); i++) {
            LabelPlacer.Placed l = labels.get(i);
            if (l.leader()) {
                double toX = l.anchor().equals("start") ? l.box().left() - 1 : l.box().right() + 1;
                svg.line(centres[2 * i], centres[2 * i + 1], toX, (l.box().top() + l.box().bottom()) / 2, "#999", 0.8, false);
            }
        }
        for (int i = 0; i < shown.size(); i++) {
            Point p = shown.get(i);
            svg.circle(centres[2 * i], centres[2 * i + 1], POINT_RADIUS, p.color(), String.format(Locale.ROOT,
                    "%s: %s %s, %s %.4f", p.label(), xLabel, Axis.format(p.x()), yLabel, p.y()));
        }
        for (int i = 0; i < shown.size(); i++) {
            LabelPlacer.Placed l = labels.get(i);
            svg.text(l.x(), l.y(), shown.get(i).label(), LABEL_SIZE, l.anchor(), "#222", false, 0, POINT_LABEL);
        }
        return svg.toString();
    }

    /** The points no other point beats on both axes, by increasing x. */
    static List<Point> paretoFront(List<Point> points) {
        List<Point> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparingDouble(Point::x).thenComparing(Comparator.comparingDouble(Point::y).reversed()));
        List<Point> front = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (Point p : sorted) {
            if (p.y() > best) {
                front.add(p);
                best = p.y();
            }
        }
        return front;
    }

    /**
     * One confidence bin.
     *
     * @param accuracy   share right in the bin; {@code count} 0 means empty
     * @param confidence mean top-class probability in the bin
     */
    public record Bin(double lower, double upper, long count, double accuracy, double confidence) {
    }

    /**
     * Accuracy per confidence bin as bars against the diagonal of perfect calibration, with the bins before
     * calibration as a dashed line of markers (null to leave it out).
     */
    public static String reliability(String title, List<Bin> calibrated, List<Bin> before, String color) {
        double w = 340;
        double h = 300;
        Svg svg = new Svg(w, h, title);
        svg.text(w / 2, 18, title, 13, "middle", "#222", true, 0);
        Axis x = Axis.linear(0, 1, LEFT, w - RIGHT, false);
        Axis y = Axis.linear(0, 1, h - BOTTOM, TOP + 16, false);
        frame(svg, x, y, w, h, "confidence (top-class probability)", "accuracy");
        long total = calibrated.stream().mapToLong(Bin::count).sum();
        for (Bin b : calibrated) {
            if (b.count() == 0) {
                continue;
            }
            double x0 = x.map(b.lower()) + 1;
            double x1 = x.map(b.upper()) - 1;
            // at least 1 unit tall so a bin whose accuracy is 0 still shows where it is
            double top = Math.min(y.map(b.accuracy()), y.map(0) - 1);
            svg.rect(x0, top, x1 - x0, y.map(0) - top, color, null, String.format(Locale.ROOT,
                    "(%.3f, %.3f]: %d rows (%.1f%%), accuracy %.3f, mean confidence %.3f", b.lower(), b.upper(), b.count(),
                    100.0 * b.count() / Math.max(1, total), b.accuracy(), b.confidence()));
        }
        svg.line(x.map(0), y.map(0), x.map(1), y.map(1), "#777", 1, true);
        if (before != null) {
            List<Double> xy = new ArrayList<>();
            for (Bin b : before) {
                if (b.count() > 0) {
                    xy.add(x.map(b.confidence()));
                    xy.add(y.map(b.accuracy()));
                }
            }
            double[] arr = xy.stream().mapToDouble(Double::doubleValue).toArray();
            if (arr.length >= 4) {
                svg.polyline(arr, "#222", 1.2, true);
            }
            for (int i = 0; i + 1 < arr.length; i += 2) {
                svg.circle(arr[i], arr[i + 1], 3, "#222", null);
            }
        }
        // the legend sits between the title and the plot, where no bar can cover it
        svg.rect(LEFT, 27, 10, 10, color);
        svg.text(LEFT + 14, 36, "with T", 10, "start", "#222", false, 0);
        if (before != null) {
            svg.circle(LEFT + 76, 32, 3, "#222", null);
            svg.text(LEFT + 84, 36, "T = 1 (accuracy at mean confidence)", 10, "start", "#222", false, 0);
        }
        return svg.toString();
    }

    /** A named series of values in [0, 1], one per category. */
    public record Series(String name, String color, double[] values) {
    }

    /**
     * Grouped vertical bars on a 0–1 axis: for each category one bar per series, the value printed above it;
     * a NaN value leaves its bar out.
     */
    public static String groupedBars(String title, String yLabel, List<String> categories, List<Series> series) {
        double group = Math.max(70, 26.0 * series.size() + 22);
        double w = Math.max(460, LEFT + RIGHT + group * categories.size()); // 460 leaves room for a three-series legend
        double h = 280;
        Svg svg = new Svg(w, h, title);
        svg.text(w / 2, 18, title, 13, "middle", "#222", true, 0);
        Axis x = Axis.linear(0, categories.size(), LEFT, w - RIGHT, false);
        Axis y = Axis.linear(0, 1, h - BOTTOM, TOP + 28, false); // room for the value printed above a full bar
        for (double t : y.ticks()) {
            svg.line(x.from, y.map(t), x.to, y.map(t), GRID, 1, false);
            svg.text(x.from - 6, y.map(t) + 4, Axis.format(t), 10, "end", AXIS, false, 0);
        }
        svg.line(x.from, y.from, x.to, y.from, AXIS, 1, false);
        svg.line(x.from, y.from, x.from, y.to, AXIS, 1, false);
        svg.text(14, (y.from + y.to) / 2, yLabel, 11, "middle", AXIS, false, -90);
        double slot = (x.map(1) - x.map(0) - 16) / series.size();
        for (int c = 0; c < categories.size(); c++) {
            double left = x.map(c) + 8;
            svg.text(x.map(c + 0.5), y.from + 15, categories.get(c), 11, "middle", "#222", false, 0);
            for (int k = 0; k < series.size(); k++) {
                double v = series.get(k).values()[c];
                if (!Double.isFinite(v)) {
                    continue;
                }
                double top = Math.min(y.map(Math.max(0, Math.min(1, v))), y.map(0) - 1);
                svg.rect(left + k * slot + 1, top, slot - 2, y.map(0) - top, series.get(k).color(), null,
                        String.format(Locale.ROOT, "%s, %s: %.4f", categories.get(c), series.get(k).name(), v));
                svg.text(left + k * slot + slot / 2, top - 3, String.format(Locale.ROOT, "%.2f", v), 9.5, "middle", "#333", false, 0);
            }
        }
        double lx = LEFT;
        for (Series sr : series) {
            svg.rect(lx, 27, 10, 10, sr.color());
            svg.text(lx + 14, 36, sr.name(), 10, "start", "#222", false, 0);
            lx += 22 + 6.2 * sr.name().length();
        }
        return svg.toString();
    }

    /** Counts with rows actual and columns predicted, each cell shaded by its share of its row. */
    public static String confusion(String title, List<String> labels, long[][] counts) {
        int k = labels.size();
        double cell = k <= 3 ? 64 : k <= 6 ? 48 : 34;
        double left = 96;
        double top = 58;
        double w = left + k * cell + 16;
        double h = top + k * cell + 34;
        Svg svg = new Svg(w, h, title);
        svg.text(w / 2, 18, title, 13, "middle", "#222", true, 0);
        svg.text(left + k * cell / 2, 40, "predicted", 11, "middle", AXIS, false, 0);
        svg.text(16, top + k * cell / 2, "actual", 11, "middle", AXIS, false, -90);
        for (int a = 0; a < k; a++) {
            long row = 0;
            for (int p = 0; p < k; p++) {
                row += counts[a][p];
            }
            svg.text(left - 6, top + a * cell + cell / 2 + 4, shorten(labels.get(a)), 11, "end", "#222", false, 0);
            for (int p = 0; p < k; p++) {
                double share = row == 0 ? 0 : (double) counts[a][p] / row;
                String fill = a == p ? shade(0x00, 0x72, 0xB2, share) : shade(0xD5, 0x5E, 0x00, share);
                svg.rect(left + p * cell, top + a * cell, cell - 2, cell - 2, fill, "#ccc", String.format(Locale.ROOT,
                        "actual %s, predicted %s: %d (%.1f%% of the row)", labels.get(a), labels.get(p), counts[a][p],
                        100 * share));
                svg.text(left + p * cell + cell / 2 - 1, top + a * cell + cell / 2 + 4, Long.toString(counts[a][p]),
                        k <= 6 ? 12 : 10, "middle", share > 0.55 ? "#fff" : "#111", a == p, 0);
            }
        }
        for (int p = 0; p < k; p++) {
            svg.text(left + p * cell + cell / 2 - 1, top + k * cell + 16, shorten(labels.get(p)), 11, "middle", "#222", false, 0);
        }
        return svg.toString();
    }

    private static String shorten(String label) {
        return label.length() <= 12 ? label : label.substring(0, 11) + "…";
    }

    /** White blended towards (r, g, b) by {@code share}, so an empty cell is white and a full one the colour. */
    private static String shade(int r, int g, int b, double share) {
        double s = 0.08 + 0.92 * Math.max(0, Math.min(1, share));
        return String.format(Locale.ROOT, "#%02x%02x%02x", (int) Math.round(255 + (r - 255) * s),
                (int) Math.round(255 + (g - 255) * s), (int) Math.round(255 + (b - 255) * s));
    }

    private static void frame(Svg svg, Axis x, Axis y, double w, double h, String xLabel, String yLabel) {
        for (double t : y.ticks()) {
            svg.line(x.from, y.map(t), x.to, y.map(t), GRID, 1, false);
            svg.text(x.from - 6, y.map(t) + 4, Axis.format(t), 10, "end", AXIS, false, 0);
        }
        for (double t : x.ticks()) {
            svg.line(x.map(t), y.from, x.map(t), y.to, GRID, 1, false);
            svg.text(x.map(t), y.from + 15, Axis.format(t), 10, "middle", AXIS, false, 0);
        }
        svg.line(x.from, y.from, x.to, y.from, AXIS, 1, false);
        svg.line(x.from, y.from, x.from, y.to, AXIS, 1, false);
        svg.text((x.from + x.to) / 2, h - 8, xLabel, 11, "middle", AXIS, false, 0);
        svg.text(14, (y.from + y.to) / 2, yLabel, 11, "middle", AXIS, false, -90);
    }

    /** Maps data values in [lo, hi] to pixels in [from, to], linearly or by log10. */
    static final class Axis {
        final double lo;
        final double hi;
        final double from;
        final double to;
        final boolean log;

        private Axis(double lo, double hi, double from, double to, boolean log) {
            this.lo = lo;
            this.hi = hi;
            this.from = from;
            this.to = to;
            this.log = log;
        }

        /** @param pad widen by 5 % each side (scatter axes), so points do not sit on the frame */
        static Axis linear(double lo, double hi, double from, double to, boolean pad) {
            if (hi - lo < 1e-9) {
                double c = lo;
                lo = c - Math.max(0.05, Math.abs(c) * 0.1);
                hi = c + Math.max(0.05, Math.abs(c) * 0.1);
            } else if (pad) {
                double m = (hi - lo) * 0.05;
                lo -= m;
                hi += m;
            }
            return new Axis(lo, hi, from, to, false);
        }

        static Axis log(double lo, double hi, double from, double to) {
            // half a decade either side keeps labels of the extreme points inside the frame
            return new Axis(Math.log10(lo) - 0.3, Math.log10(hi) + 0.3, from, to, true);
        }

        double map(double v) {
            double t = log ? Math.log10(v) : v;
            return from + (t - lo) / (hi - lo) * (to - from);
        }

        /** Tick values in data units: 1-2-5 steps giving about five ticks, or 1-2-5 per decade on a log axis. */
        List<Double> ticks() {
            List<Double> ticks = new ArrayList<>();
            if (log) {
                for (int e = (int) Math.floor(lo); e <= Math.ceil(hi); e++) {
                    for (int m : hi - lo > 2.5 ? new int[] {1} : new int[] {1, 2, 5}) {
                        double t = Math.log10(m) + e;
                        if (t >= lo && t <= hi) {
                            ticks.add(m * Math.pow(10, e));
                        }
                    }
                }
                return ticks;
            }
            double raw = (hi - lo) / 5;
            double mag = Math.pow(10, Math.floor(Math.log10(raw)));
            double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
            for (double t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
                ticks.add(Math.abs(t) < step * 1e-9 ? 0 : t);
            }
            return ticks;
        }

        static String format(double v) {
            double a = Math.abs(v);
            if (a >= 1e9) {
                return trim(v / 1e9) + "G";
            }
            if (a >= 1e6) {
                return trim(v / 1e6) + "M";
            }
            if (a >= 1e4) {
                return trim(v / 1e3) + "k";
            }
            if (a >= 100 || a == Math.rint(a)) {
                return String.format(Locale.ROOT, "%.0f", v);
            }
            return a >= 1 ? trim(v) : trimZeros(String.format(Locale.ROOT, "%.3g", v));
        }

        private static String trim(double v) {
            return trimZeros(String.format(Locale.ROOT, "%.2f", v));
        }

        private static String trimZeros(String s) {
            if (!s.contains(".") || s.contains("e")) {
                return s;
            }
            s = s.replaceAll("0+$", "");
            return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        }
    }
}
