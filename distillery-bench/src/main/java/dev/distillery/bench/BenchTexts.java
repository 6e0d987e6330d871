package dev.distillery.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Real texts to benchmark on: one per line, lines starting with {@code #} are comments. */
public final class BenchTexts {
    /** 256 URLs of the phishing-urls test split; made by scripts/fixtures/bench_texts.py. */
    public static final String BUNDLED = "dev/distillery/bench/urls.txt";

    private BenchTexts() {
    }

    public static List<String> bundled() throws IOException {
        try (InputStream in = BenchTexts.class.getClassLoader().getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IOException("classpath resource '" + BUNDLED + "' is missing from the build");
            }
            return read(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), BUNDLED);
        }
    }

    public static List<String> read(Path file) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(reader, file.toString());
        }
    }

    private static List<String> read(BufferedReader reader, String source) throws IOException {
        List<String> texts = new ArrayList<>();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            if (!line.isBlank() && !line.startsWith("#")) {
                texts.add(line.strip());
            }
        }
        if (texts.isEmpty()) {
            throw new IOException(source + " holds no texts; expected one text per line");
        }
        return texts;
    }
}
