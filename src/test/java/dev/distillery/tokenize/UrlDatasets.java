package dev.distillery.tokenize;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The shared URL datasets, found as CI lays them out: {@code shared/} beside the repository clone, i.e.
 * {@code ../shared/datasets} from the Maven basedir. A checkout elsewhere (a git worktree) points at them with
 * {@code -Ddistillery.datasets=DIR} or the environment variable {@code DISTILLERY_DATASETS}.
 */
final class UrlDatasets {
    static final List<String> FILES = List.of(
            "phishing-urls/train.csv.gz", "phishing-urls/validation.csv.gz", "phishing-urls/test.csv.gz",
            "phishing-urls/normalized/train.csv.gz", "phishing-urls/normalized/validation.csv.gz",
            "phishing-urls/normalized/test.csv.gz",
            "malicious-urls/train.csv.gz", "malicious-urls/validation.csv.gz", "malicious-urls/test.csv.gz",
            "malicious-urls/normalized/train.csv.gz", "malicious-urls/normalized/validation.csv.gz",
            "malicious-urls/normalized/test.csv.gz");

    private UrlDatasets() {
    }

    static Path root() {
        String configured = System.getProperty("distillery.datasets", System.getenv("DISTILLERY_DATASETS"));
        Path basedir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Path root = configured != null ? Path.of(configured) : basedir.resolve("../shared/datasets").normalize();
        if (!Files.isDirectory(root.resolve("phishing-urls")) || !Files.isDirectory(root.resolve("malicious-urls"))) {
            throw new IllegalStateException("URL datasets not found under " + root.toAbsolutePath() + ": expected "
                    + "phishing-urls/ and malicious-urls/ in ../shared/datasets beside the repository, or a directory "
                    + "named by -Ddistillery.datasets / DISTILLERY_DATASETS");
        }
        return root;
    }

    /** The url column of a gzipped {@code url,label} CSV, header dropped. */
    static List<String> urls(Path csvGz) throws IOException {
        try (Reader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(csvGz)),
                StandardCharsets.UTF_8))) {
            List<List<String>> rows = parseCsv(in);
            if (rows.isEmpty() || !rows.getFirst().equals(List.of("url", "label"))) {
                throw new IOException(csvGz + ": expected header url,label, found "
                        + (rows.isEmpty() ? "nothing" : rows.getFirst()));
            }
            List<String> urls = new ArrayList<>(rows.size() - 1);
            for (int r = 1; r < rows.size(); r++) {
                if (rows.get(r).size() != 2) {
                    throw new IOException(csvGz + ": record " + r + " has " + rows.get(r).size() + " fields, expected 2");
                }
                urls.add(rows.get(r).getFirst());
            }
            return urls;
        }
    }

    /** RFC 4180: quoted fields may hold commas, line breaks and doubled quotes; records end at LF or CRLF. */
    static List<List<String>> parseCsv(Reader in) throws IOException {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean sawAny = false;
        int c;
        while ((c = in.read()) >= 0) {
            sawAny = true;
            if (quoted) {
                if (c == '"') {
                    in.mark(1);
                    int next = in.read();
                    if (next == '"') {
                        field.append('"');
                    } else {
                        quoted = false;
                        if (next >= 0) {
                            in.reset();
                        }
                    }
                } else {
                    field.append((char) c);
                }
            } else if (c == '"' && field.isEmpty()) {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\n') {
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                sawAny = false;
            } else if (c != '\r') {
                field.append((char) c);
            }
        }
        if (sawAny) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }
}
