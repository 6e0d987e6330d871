package dev.distillery.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A plain-text table with aligned columns: text left, numbers right, doubles with four decimals unless
 * their column says otherwise ({@link #format}).
 * <pre>{@code
 * new Table("class", "F1", "p50 ms").format("p50 ms", "%.2f").row("benign", 0.9712, 5.2029).row("phishing", 0.9, 13.1).render()
 * // class     F1      p50 ms
 * // --------  ------  ------
 * // benign    0.9712    5.20
 * // phishing  0.9000   13.10
 * }</pre>
 */
public final class Table {
    private final String[] headers;
    private final List<String[]> rows = new ArrayList<>();
    private final boolean[] numeric;
    private final String[] patterns;

    public Table(String... headers) {
        if (headers.length == 0) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        this.headers = headers.clone();
        this.numeric = new boolean[headers.length];
        this.patterns = new String[headers.length];
        Arrays.fill(numeric, true);
    }

    /**
     * Formats the numbers of the column headed {@code header} with {@code pattern} ({@link String#format}, e.g.
     * {@code "%.2f"} for milliseconds, {@code "%,d"} for counts) instead of the default; before any row is added.
     */
    public Table format(String header, String pattern) {
        int c = Arrays.asList(headers).indexOf(header);
        if (c < 0) {
            throw new IllegalArgumentException("no column " + header + " in " + Arrays.toString(headers));
        }
        if (!rows.isEmpty()) {
            throw new IllegalStateException("set column formats before adding rows");
        }
        patterns[c] = pattern;
        return this;
    }

    /**
     * Adds a row of one cell per column. Numbers are formatted (a double with four decimals,
     * NaN as "n/a"); a column is right-aligned when all its non-blank cells are numbers.
     */
    public Table row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, the table " + headers.length
                    + " columns " + Arrays.toString(headers));
        }
        String[] text = new String[cells.length];
        for (int c = 0; c < cells.length; c++) {
            Object cell = cells[c];
            text[c] = format(cell, patterns[c]);
            if (!(cell instanceof Number) && !text[c].isEmpty()) {
                numeric[c] = false;
            }
        }
        rows.add(text);
        return this;
    }

    public int rowCount() {
        return rows.size();
    }

    /** The table as lines ending in {@code \n}: header, a rule, then the rows. */
    public String render() {
        int[] width = new int[headers.length];
        for (int c = 0; c < headers.length; c++) {
            width[c] = headers[c].length();
            for (String[] r : rows) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder s = new StringBuilder();
        appendLine(s, headers, width);
        String[] rule = new String[headers.length];
        for (int c = 0; c < rule.length; c++) {
            rule[c] = "-".repeat(width[c]);
        }
        appendLine(s, rule, width);
        for (String[] r : rows) {
            appendLine(s, r, width);
        }
        return s.toString();
    }

    @Override
    public String toString() {
        return render();
    }

    private void appendLine(StringBuilder s, String[] cells, int[] width) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                line.append("  ");
            }
            String pad = " ".repeat(width[c] - cells[c].length());
            line.append(numeric[c] ? pad + cells[c] : cells[c] + pad);
        }
        s.append(line.toString().stripTrailing()).append('\n');
    }

    private static String format(Object cell, String pattern) {
        if (cell == null) {
            return "";
        }
        if (cell instanceof Double || cell instanceof Float) {
            double d = ((Number) cell).doubleValue();
            return Double.isNaN(d) ? "n/a" : String.format(Locale.ROOT, pattern != null ? pattern : "%.4f", d);
        }
        if (pattern != null && (cell instanceof Long || cell instanceof Integer)) {
            return String.format(Locale.ROOT, pattern, cell);
        }
        return cell.toString();
    }
}
