package dev.distillery.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.distillery.embed.SentenceEncoder;
import dev.distillery.io.AtomicFiles;
import java.io.BufferedReader;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillery embed}: one sentence embedding per input line, written as JSON Lines
 * {@code {"text": ..., "embedding": [...]}} (mean pooling, unit length).
 */
@Command(name = "embed",
        footer = {"", "Example:", "  distillery embed --model minilm --input examples/urls.txt \\",
                "      --output embeddings.jsonl"},
        mixinStandardHelpOptions = true,
        description = "Embed each line of a text file with an encoder (mean pooling, L2-normalised) into JSON Lines.")
public final class EmbedCommand implements Callable<Integer> {
    /** Lines read at a time: enough to batch by length, bounded so huge inputs stream. */
    private static final int CHUNK_LINES = 4096;

    @Option(names = "--model", defaultValue = SentenceEncoder.MINILM, paramLabel = "minilm|DIR",
            description = "'minilm' (bundled all-MiniLM-L6-v2) or a Hugging Face checkpoint folder. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "UTF-8 text, one text per line.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "FILE.jsonl", description = "JSON Lines to write.")
    Path output;

    @Option(names = "--batch-size", defaultValue = "" + SentenceEncoder.DEFAULT_BATCH_SIZE, paramLabel = "N",
            description = "Texts per forward pass. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--max-length", defaultValue = "" + SentenceEncoder.DEFAULT_MAX_LENGTH, paramLabel = "TOKENS",
            description = "Longer texts are cut to this many tokens. Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (batchSize <= 0 || maxLength <= 2) {
            throw new IllegalArgumentException("--batch-size must be positive and --max-length above 2 (got "
                    + batchSize + ", " + maxLength + ")");
        }
        if (!Files.isRegularFile(input)) {
            throw new java.nio.file.NoSuchFileException(input.toString(), null, "no such input file");
        }
        long start = System.nanoTime();
        SentenceEncoder encoder = SentenceEncoder.load(model);
        long[] count = {0};
        AtomicFiles.write(output, out -> count[0] = embedAll(encoder, out));
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "embedded %d lines of %s with %s into %s (%d dimensions) in %.1f s%n", count[0], input,
                encoder.name(), output, encoder.config().hiddenSize(), (System.nanoTime() - start) / 1e9);
        err.flush();
        return 0;
    }

    private long embedAll(SentenceEncoder encoder, OutputStream out) throws IOException {
        int hidden = encoder.config().hiddenSize();
        long written = 0;
        JsonGenerator json = JsonLines.generator(out);
        try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            List<String> chunk = new ArrayList<>(CHUNK_LINES);
            boolean more = true;
            while (more) {
                chunk.clear();
                String line;
                while (chunk.size() < CHUNK_LINES && (line = reader.readLine()) != null) {
                    chunk.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
                }
                more = chunk.size() == CHUNK_LINES;
                float[] embeddings = encoder.embed(chunk, maxLength, batchSize); // [chunk, hidden]
                for (int i = 0; i < chunk.size(); i++) {
                    json.writeStartObject();
                    json.writeStringField("text", chunk.get(i));
                    json.writeArrayFieldStart("embedding");
                    for (int j = 0; j < hidden; j++) {
                        json.writeNumber(embeddings[i * hidden + j]);
                    }
                    json.writeEndArray();
                    json.writeEndObject();
                    json.writeRaw('\n');
                }
                written += chunk.size();
            }
        } catch (CharacterCodingException e) {
            // The reader decodes ahead in blocks, so the failing line is not known precisely.
            throw new CharConversionException(input + " is not UTF-8 text");
        }
        json.flush();
        return written;
    }
}
