package dev.distillery.report;

import java.util.Locale;

/**
 * A minimal writer of inline SVG: shapes and text appended in order, coordinates in user units with
 * the origin at the top left, numbers printed with two decimals. Text is escaped here, so callers pass
 * plain strings.
 * <pre>{@code
 * new Svg(100, 50, "demo").rect(0, 0, 10, 10, "#08c").toString()
 * // <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50" width="100" height="50" role="img" aria-label="demo"><rect .../></svg>
 * }</pre>
 */
public final class Svg {
    private final StringBuilder body = new StringBuilder();
    private final double width;
    private final double height;
    private final String title;

    /** @param title read by screen readers and shown as a tooltip */
    public Svg(double width, double height, String title) {
        this.width = width;
        this.height = height;
        this.title = title;
    }

    public Svg rect(double x, double y, double w, double h, String fill) {
        return rect(x, y, w, h, fill, null, null);
    }

    /** A rectangle; {@code stroke} may be null, {@code tooltip} (a {@code <title>}) may be null. */
    public Svg rect(double x, double y, double w, double h, String fill, String stroke, String tooltip) {
        body.append("<rect x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" width=\"").append(n(Math.max(0, w)))
                .append("\" height=\"").append(n(Math.max(0, h))).append("\" fill=\"").append(fill).append('"');
        if (stroke != null) {
            body.append(" stroke=\"").append(stroke).append('"');
        }
        return close("rect", tooltip);
    }

    public Svg line(double x1, double y1, double x2, double y2, String stroke, double strokeWidth, boolean dashed) {
        body.append("<line x1=\"").append(n(x1)).append("\" y1=\"").append(n(y1)).append("\" x2=\"").append(n(x2))
                .append("\" y2=\"").append(n(y2)).append("\" stroke=\"").append(stroke).append("\" stroke-width=\"")
                .append(n(strokeWidth)).append('"');
        if (dashed) {
            body.append(" stroke-dasharray=\"4 3\"");
        }
        body.append("/>");
        return this;
    }

    public Svg circle(double cx, double cy, double r, String fill, String tooltip) {
        body.append("<circle cx=\"").append(n(cx)).append("\" cy=\"").append(n(cy)).append("\" r=\"").append(n(r))
                .append("\" fill=\"").append(fill).append("\" stroke=\"#fff\" stroke-width=\"1.5\"");
        return close("circle", tooltip);
    }

    /** A polyline through {@code xy} pairs. */
    public Svg polyline(double[] xy, String stroke, double strokeWidth, boolean dashed) {
        body.append("<polyline fill=\"none\" stroke=\"").append(stroke).append("\" stroke-width=\"").append(n(strokeWidth))
                .append("\" points=\"");
        for (int i = 0; i + 1 < xy.length; i += 2) {
            body.append(i == 0 ? "" : " ").append(n(xy[i])).append(',').append(n(xy[i + 1]));
        }
        body.append('"');
        if (dashed) {
            body.append(" stroke-dasharray=\"4 3\"");
        }
        body.append("/>");
        return this;
    }

    /**
     * Text at (x, y) on its baseline.
     *
     * @param anchor {@code start}, {@code middle} or {@code end}
     * @param rotate degrees about (x, y), 0 for none
     */
    public Svg text(double x, double y, String text, double size, String anchor, String fill, boolean bold, double rotate) {
        return text(x, y, text, size, anchor, fill, bold, rotate, null);
    }

    /** Text as {@link #text(double, double, String, double, String, String, boolean, double)}, with a class attribute. */
    public Svg text(double x, double y, String text, double size, String anchor, String fill, boolean bold, double rotate,
                    String cssClass) {
        body.append("<text x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" font-size=\"").append(n(size))
                .append("\" text-anchor=\"").append(anchor).append("\" fill=\"").append(fill).append('"');
        if (cssClass != null) {
            body.append(" class=\"").append(Html.escape(cssClass)).append('"');
        }
        if (bold) {
            body.append(" font-weight=\"600\"");
        }
        if (rotate != 0) {
            body.append(" transform=\"rotate(").append(n(rotate)).append(' ').append(n(x)).append(' ').append(n(y)).append(")\"");
        }
        body.append('>').append(Html.escape(text)).append("</text>");
        return this;
    }

    private Svg close(String tag, String tooltip) {
        if (tooltip == null) {
            body.append("/>");
        } else {
            body.append("><title>").append(Html.escape(tooltip)).append("</title></").append(tag).append('>');
        }
        return this;
    }

    @Override
    public String toString() {
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + n(width) + " " + n(height) + "\" width=\""
                + n(width) + "\" height=\"" + n(height) + "\" role=\"img\" aria-label=\"" + Html.escape(title) + "\">"
                + body + "</svg>";
    }

    static String n(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("SVG coordinate " + v + " is not finite");
        }
        String s = String.format(Locale.ROOT, "%.2f", v);
        return s.endsWith(".00") ? s.substring(0, s.length() - 3) : s;
    }
}
