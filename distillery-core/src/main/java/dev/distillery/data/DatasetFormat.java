package dev.distillery.data;

import java.nio.file.Path;
import java.util.Locale;

/**
 * File layouts the readers understand. Compression is not part of the format: gzip is detected
 * from the file's first two bytes, so {@code data.csv} may be gzipped and {@code data.csv.gz} plain.
 */
public enum DatasetFormat {
    /** RFC 4180: header row, comma separator, fields with {@code , " \n} double-quoted, quotes doubled. */
    CSV,
    /** The CSV rules with a tab separator (as Python's {@code csv} module writes with {@code delimiter='\t'}). */
    TSV,
    /** One JSON object per line; text and label are members of the object. */
    JSONL;

    /** The format named by the file's extension ({@code .csv}, {@code .tsv}, {@code .jsonl}/{@code .ndjson}, each optionally + {@code .gz}). */
    public static DatasetFormat fromFileName(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) {
            name = name.substring(0, name.length() - 3);
        }
        if (name.endsWith(".csv")) {
            return CSV;
        }
        if (name.endsWith(".tsv") || name.endsWith(".tab")) {
            return TSV;
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return JSONL;
        }
        throw new DatasetException(file, 0,
                "cannot tell the format from the file name; expected .csv, .tsv or .jsonl (optionally .gz), or give the format");
    }
}
