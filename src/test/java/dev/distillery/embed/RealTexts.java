package dev.distillery.embed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * URLs from the team's shared datasets ({@code shared/datasets}, beside the repository: found by
 * walking up from the working directory, which Maven sets to the project folder).
 */
final class RealTexts {
    private RealTexts() {
    }

    static Path datasets() {
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("datasets");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shared/datasets folder in " + start + " or its parents; this test "
                + "needs the shared datasets checked out beside the repository (../shared/datasets)");
    }

    /** The first {@code count} URLs of a {@code url,label} gzipped CSV (RFC 4180, header line). */
    static List<String> urls(String relativeFile, int count) throws IOException {
        Path file = datasets().resolve(relativeFile);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("dataset file " + file + " is missing");
        }
        List<String> urls = new ArrayList<>(count);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            String header = reader.readLine();
            if (header == null || !header.startsWith("url,")) {
                throw new IllegalStateException(file + " does not start with a 'url,...' header");
            }
            for (String line = reader.readLine(); line != null && urls.size() < count; line = reader.readLine()) {
                urls.add(firstField(line));
            }
        }
        if (urls.size() < count) {
            throw new IllegalStateException(file + " holds " + urls.size() + " rows; expected at least " + count);
        }
        return urls;
    }

    private static String firstField(String line) {
        if (!line.startsWith("\"")) {
            return line.substring(0, line.indexOf(','));
        }
        StringBuilder field = new StringBuilder();
        for (int i = 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                field.append('"');
                i++;
            } else if (c == '"') {
                break;
            } else {
                field.append(c);
            }
        }
        return field.toString();
    }
}
