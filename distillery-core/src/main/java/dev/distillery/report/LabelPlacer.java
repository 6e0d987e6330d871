package dev.distillery.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Places the labels of a scatter's points so that no label covers another label or any point: each label
 * takes the first free spot of a fixed list around its point (beside it above, then below, on the side
 * facing the middle of the plot first), then spots further up and down, joined to the point by a leader
 * line. Widths are estimated from the character count at a generous average glyph width, so the boxes
 * hold what a browser draws; ReportInBrowserTest checks that against the drawn boxes.
 */
final class LabelPlacer {
    /** Average glyph width as a share of the font size, generous for common sans-serif fonts (DejaVu Sans 0.6). */
    static final double GLYPH_WIDTH = 0.64;
    /** Clear space kept between a label and anything else. */
    static final double GAP = 2;
    private static final double SIDE = 9;
    private static final int STEPS = 12;

    /** An axis-aligned box. */
    record Box(double left, double top, double right, double bottom) {
        boolean overlaps(Box o, double gap) {
            return left < o.right + gap && o.left < right + gap && top < o.bottom + gap && o.top < bottom + gap;
        }

        boolean inside(Box bounds) {
            return left >= bounds.left && right <= bounds.right && top >= bounds.top && bottom <= bounds.bottom;
        }

        double overlapArea(Box o) {
            double w = Math.min(right, o.right) - Math.max(left, o.left);
            double h = Math.min(bottom, o.bottom) - Math.max(top, o.top);
            return w > 0 && h > 0 ? w * h : 0;
        }
    }

    /**
     * A placed label: text at (x, y) on its baseline with the given anchor, covering {@code box}; {@code leader}
     * when it sits away from its point and needs a line to it.
     */
    record Placed(double x, double y, String anchor, Box box, boolean leader) {
    }

    private LabelPlacer() {
    }

    /**
     * One placement per point, in the points' order.
     *
     * @param xy     point centres in pixels, x then y per point
     * @param radius point radius in pixels
     * @param bounds where labels may go (the plot area)
     */
    static List<Placed> place(double[] xy, List<String> labels, double radius, double fontSize, Box bounds) {
        int n = labels.size();
        List<Box> taken = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double cx = xy[2 * i];
            double cy = xy[2 * i + 1];
            taken.add(new Box(cx - radius, cy - radius, cx + radius, cy + radius));
        }
        double middle = (bounds.left + bounds.right) / 2;
        List<Placed> placed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double cx = xy[2 * i];
            double cy = xy[2 * i + 1];
            double width = labels.get(i).length() * fontSize * GLYPH_WIDTH;
            Placed best = null;
            double bestCost = Double.POSITIVE_INFINITY;
            for (Placed c : candidates(cx, cy, width, fontSize, cx < middle)) {
                double cost = 0;
                for (Box t : taken) {
                    if (c.box.overlaps(t, GAP)) {
                        cost += 1 + c.box.overlapArea(t);
                    }
                }
                if (!c.box.inside(bounds)) {
                    cost += 1e6;
                }
                if (cost == 0) {
                    best = c;
                    break;
                }
                if (cost < bestCost) {
                    best = c;
                    bestCost = cost;
                }
            }
            placed.add(best);
            taken.add(best.box);
        }
        return placed;
    }

    /** Spots in order of preference: beside the point above and below, then further away on a leader line. */
    private static List<Placed> candidates(double cx, double cy, double width, double size, boolean startFirst) {
        List<Placed> out = new ArrayList<>();
        double ascent = size * 0.8; // a baseline sits this far below the top of the glyphs
        double descent = size * 0.25;
        String[] anchors = startFirst ? new String[] {"start", "end"} : new String[] {"end", "start"};
        for (int step = 0; step <= STEPS; step++) {
            double lift = step * (ascent + descent + GAP);
            for (double baseline : new double[] {cy - 8 - lift, cy + ascent + 4 + lift}) {
                for (String anchor : anchors) {
                    double x = anchor.equals("start") ? cx + SIDE : cx - SIDE;
                    double left = anchor.equals("start") ? x : x - width;
                    out.add(new Placed(x, baseline, anchor, new Box(left, baseline - ascent, left + width, baseline + descent),
                            step > 0));
                }
            }
        }
        return out;
    }
}
