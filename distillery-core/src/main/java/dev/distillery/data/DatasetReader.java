package dev.distillery.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Streams the rows of one dataset file, checking each as it goes; nothing is held but the current row.
 * Every problem is a {@link DatasetException} naming the file and line.
 *
 * <p>Life cycle: open, iterate once, close.
 * <pre>{@code
 * try (DatasetReader rows = DatasetReader.open(Path.of("train.csv.gz"), ReadOptions.defaults())) {
 *     for (Row row : rows) { ... }        // "http://a.com/x", "1", line 2
 * }
 * }</pre>
 *
 * <p>CSV and TSV follow RFC 4180: the first record is the header; a field may be double-quoted, and then
 * may hold separators, line breaks (read as {@code \n}) and doubled quotes; a quote elsewhere is an error,
 * as is a record whose field count differs from the header's. Empty lines between records are skipped.
 * A UTF-8 byte order mark is ignored. JSONL is one object per line; blank lines are skipped, and a label
 * may be a JSON string or integer ({@code 1} and {@code "1"} are the same label). In every format a row
 * whose text is blank after the {@link TextTransform}, or whose label is blank, is an error, as is a file
 * without rows.
 */
public final class DatasetReader implements Iterable<Row>, Iterator<Row>, AutoCloseable {
    /** Created on first JSONL use only, so CSV readers do not pay for Jackson's start-up. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    private final LineSource lines;
    private final ReadOptions options;
    private final DatasetFormat format;
    private final char separator;
    private final Path file;
    private List<String> columns; // CSV header, or the members of the first JSON line
    private String textColumn;
    private int textIndex = -1;
    private int labelIndex = -1;
    private long recordLine; // first physical line of the record last read
    private Row pending;
    private long rowCount;
    private boolean finished;

    private DatasetReader(LineSource lines, ReadOptions options, DatasetFormat format) {
        this.lines = lines;
        this.options = options;
        this.format = format;
        this.file = lines.file();
        this.separator = format == DatasetFormat.TSV ? '\t' : ',';
    }

    public static DatasetReader open(Path file, ReadOptions options) {
        DatasetFormat format = options.format() != null ? options.format() : DatasetFormat.fromFileName(file);
        LineSource lines = LineSource.open(file);
        DatasetReader reader = new DatasetReader(lines, options, format);
        try {
            if (format != DatasetFormat.JSONL) {
                reader.readHeader();
            }
        } catch (RuntimeException e) {
            lines.close();
            throw e;
        }
        return reader;
    }

    /** Column names of the header (CSV/TSV) or the first object's members (JSONL); empty before the first JSON row. */
    public List<String> columns() {
        return columns == null ? List.of() : columns;
    }

    /** Name of the column the text comes from (resolved from the default {@code url}/{@code text} if none was given). */
    public String textColumn() {
        return textColumn;
    }

    public Path file() {
        return file;
    }

    @Override
    public Iterator<Row> iterator() {
        return this;
    }

    @Override
    public boolean hasNext() {
        if (pending == null && !finished) {
            pending = format == DatasetFormat.JSONL ? readJsonRow() : readCsvRow();
            if (pending == null) {
                finished = true;
                if (rowCount == 0) {
                    throw new DatasetException(file, 0, format == DatasetFormat.JSONL
                            ? "empty file: no JSON lines" : "no data rows after the header " + columns);
                }
            } else {
                rowCount++;
            }
        }
        return pending != null;
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more rows in " + file);
        }
        Row row = pending;
        pending = null;
        return row;
    }

    @Override
    public void close() {
        lines.close();
    }

    private void readHeader() {
        List<String> header = readRecord();
        if (header == null) {
            throw new DatasetException(file, 0, "empty file: expected a header row naming the columns");
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < header.size(); i++) {
            if (seen.putIfAbsent(header.get(i), i) != null) {
                throw new DatasetException(file, recordLine, "column '" + header.get(i) + "' appears twice in the header " + header);
            }
        }
        columns = List.copyOf(header);
        textColumn = resolveTextColumn(seen::containsKey, recordLine);
        textIndex = seen.get(textColumn);
        if (options.labelColumn() != null) {
            Integer li = seen.get(options.labelColumn());
            if (li == null) {
                throw missingColumn(options.labelColumn(), "label", recordLine);
            }
            labelIndex = li;
        }
    }

    private String resolveTextColumn(java.util.function.Predicate<String> present, long line) {
        if (options.textColumn() != null) {
            if (!present.test(options.textColumn())) {
                throw missingColumn(options.textColumn(), "text", line);
            }
            return options.textColumn();
        }
        if (present.test("url")) {
            return "url";
        }
        if (present.test("text")) {
            return "text";
        }
        throw new DatasetException(file, line, "no text column: neither 'url' nor 'text' is present; columns present: "
                + columns + "; name the text column explicitly");
    }

    private DatasetException missingColumn(String name, String role, long line) {
        return new DatasetException(file, line, "missing " + role + " column '" + name + "'; columns present: " + columns);
    }

    private Row readCsvRow() {
        String line;
        do {
            line = lines.next();
            if (line == null) {
                return null;
            }
        } while (line.isEmpty());
        if (line.indexOf('"') < 0) {
            return unquotedRow(line);
        }
        List<String> fields = parseRecord(line);
        checkFieldCount(fields.size());
        return makeRow(fields.get(textIndex), labelIndex >= 0 ? fields.get(labelIndex) : null, recordLine);
    }

    /** Fast path for a line without quotes: find the separators, cut out only the two fields used. */
    private Row unquotedRow(String line) {
        recordLine = lines.lineNumber();
        int count = 0;
        String text = null;
        String label = null;
        int start = 0;
        while (true) {
            int end = line.indexOf(separator, start);
            int stop = end < 0 ? line.length() : end;
            if (count == textIndex) {
                text = line.substring(start, stop);
            }
            if (count == labelIndex) {
                label = line.substring(start, stop);
            }
            count++;
            if (end < 0) {
                break;
            }
            start = end + 1;
        }
        checkFieldCount(count);
        return makeRow(text, label, recordLine);
    }

    private void checkFieldCount(int found) {
        if (found != columns.size()) {
            throw new DatasetException(file, recordLine, "expected " + columns.size() + " fields as in the header "
                    + columns + " but found " + found);
        }
    }

    private Row readJsonRow() {
        String line;
        do {
            line = lines.next();
            if (line == null) {
                return null;
            }
        } while (line.isBlank());
        long n = lines.lineNumber();
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(line);
        } catch (JacksonException e) {
            throw new DatasetException(file, n, "not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new DatasetException(file, n, "expected a JSON object per line, found " + (node == null ? "nothing" : node.getNodeType()));
        }
        List<String> members = new ArrayList<>();
        node.fieldNames().forEachRemaining(members::add);
        if (columns == null) {
            columns = List.copyOf(members);
            textColumn = resolveTextColumn(node::has, n);
        }
        JsonNode text = node.get(textColumn);
        if (text == null) {
            throw new DatasetException(file, n, "missing text member '" + textColumn + "'; members present: " + members);
        }
        if (!text.isTextual()) {
            throw new DatasetException(file, n, "text member '" + textColumn + "' must be a string, found " + text.getNodeType());
        }
        String label = null;
        if (options.labelColumn() != null) {
            JsonNode l = node.get(options.labelColumn());
            if (l == null) {
                throw new DatasetException(file, n, "missing label member '" + options.labelColumn() + "'; members present: " + members);
            }
            if (l.isTextual()) {
                label = l.textValue();
            } else if (l.isIntegralNumber()) {
                label = l.bigIntegerValue().toString();
            } else {
                throw new DatasetException(file, n, "label member '" + options.labelColumn()
                        + "' must be a string or an integer, found " + l.getNodeType() + " " + l);
            }
        }
        return makeRow(text.textValue(), label, n);
    }

    private Row makeRow(String rawText, String label, long line) {
        String text = options.transform().apply(rawText);
        if (text.isBlank()) {
            throw new DatasetException(file, line, "empty text in column '" + textColumn + "'"
                    + (options.transform() == TextTransform.NONE ? "" : " after " + options.transform().id()));
        }
        if (label != null) {
            if (label.isBlank()) {
                throw new DatasetException(file, line, "empty label in column '" + options.labelColumn() + "'");
            }
            if (options.labels() != null && !options.labels().contains(label)) {
                throw new DatasetException(file, line, "unknown label '" + label + "' in column '" + options.labelColumn()
                        + "'; known labels: " + options.labels());
            }
        }
        return new Row(text, label, line);
    }

    // ---- RFC 4180 records over physical lines ----

    /** Next record's fields, or null at the end; sets {@link #recordLine}. */
    private List<String> readRecord() {
        String line;
        do {
            line = lines.next();
            if (line == null) {
                return null;
            }
        } while (line.isEmpty());
        return parseRecord(line);
    }

    /** The fields of the record starting with {@code line}, reading more lines while a quote is open. */
    private List<String> parseRecord(String first) {
        String line = first;
        recordLine = lines.lineNumber();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        int quote = -2; // next '"' at or after i in this line, -1 if none, -2 if not searched yet
        while (true) {
            if (i < line.length() && line.charAt(i) == '"') {
                long quoteLine = lines.lineNumber();
                int quoteColumn = i + 1;
                i++;
                while (true) {
                    if (i >= line.length()) {
                        String more = lines.next();
                        if (more == null) {
                            throw new DatasetException(file, quoteLine, "quote opened at column " + quoteColumn
                                    + " is never closed (reached the end of the file)");
                        }
                        field.append('\n');
                        line = more;
                        i = 0;
                        continue;
                    }
                    char c = line.charAt(i);
                    if (c == '"') {
                        if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                            field.append('"');
                            i += 2;
                        } else {
                            i++;
                            break;
                        }
                    } else {
                        field.append(c);
                        i++;
                    }
                }
                quote = -2;
                if (i < line.length() && line.charAt(i) != separator) {
                    throw new DatasetException(file, lines.lineNumber(), "unexpected '" + line.charAt(i) + "' after a closing quote at column "
                            + (i + 1) + "; a quoted field must end at a separator or the end of the line");
                }
            } else {
                int end = line.indexOf(separator, i);
                if (end < 0) {
                    end = line.length();
                }
                if (quote == -2 || (quote >= 0 && quote < i)) {
                    quote = line.indexOf('"', i); // searched once per line, not once per field
                }
                if (quote >= 0 && quote < end) {
                    throw new DatasetException(file, lines.lineNumber(), "quote inside an unquoted field at column " + (quote + 1)
                            + "; RFC 4180 needs the whole field quoted and inner quotes doubled");
                }
                field.append(line, i, end);
                i = end;
            }
            fields.add(field.toString());
            field.setLength(0);
            if (i >= line.length()) {
                return fields;
            }
            i++; // the separator
        }
    }
}
