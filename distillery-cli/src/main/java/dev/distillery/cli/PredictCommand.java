package dev.distillery.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.distillery.classify.Classifier;
import dev.distillery.classify.Prediction;
import dev.distillery.data.DatasetReader;
import dev.distillery.data.ReadOptions;
import dev.distillery.data.Row;
import dev.distillery.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code distillery predict}: one JSON object per input row, in order,
 * {@code {"text": ..., "label": ..., "probabilities": {label: p, ...}}}, written atomically.
 */
@Command(name = "predict",
        footer = {"", "Example:", "  distillery predict --model models/teacher --input examples/urls.txt \\",
                "      --output predictions.jsonl"},
        mixinStandardHelpOptions = true,
        description = {"Classify each input with a saved classifier into JSON Lines {\"text\", \"label\", \"probabilities\"}.",
                "FILE is .csv, .tsv or .jsonl (optionally .gz) with a text column, or any other UTF-8 file with one text per line."})
public final class PredictCommand implements Callable<Integer> {
    /** Rows classified at a time: enough to batch by length, bounded so huge inputs stream. */
    private static final int CHUNK_ROWS = 4096;
    private static final Pattern TABLE_FILE = Pattern.compile("(?i).*\\.(csv|tsv|tab|jsonl|ndjson)(\\.gz)?");

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A folder saved by train-teacher.")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "Texts to classify.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "FILE.jsonl", description = "JSON Lines to write.")
    Path output;

    @Option(names = "--text-column", paramLabel = "NAME",
            description = "Text column of a .csv/.tsv/.jsonl input. Default: url, else text.")
    String textColumn;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(input)) {
            throw new NoSuchFileException(input.toString(), null, "no such input file");
        }
        long start = System.nanoTime();
        Classifier classifier = Classifier.load(model);
        long[] count = {0};
        AtomicFiles.write(output, out -> count[0] = TABLE_FILE.matcher(input.getFileName().toString()).matches()
                ? predictTable(classifier, out) : predictLines(classifier, out));
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "classified %d rows of %s with %s into %s in %.1f s%n", count[0], input, classifier,
                output, (System.nanoTime() - start) / 1e9);
        err.flush();
        return 0;
    }

    private long predictTable(Classifier classifier, OutputStream out) throws IOException {
        // Read the raw text: the classifier applies its own transform, and the output echoes the input.
        ReadOptions read = ReadOptions.defaults().withTextColumn(textColumn).unlabeled();
        JsonGenerator json = JsonLines.generator(out);
        long written = 0;
        try (DatasetReader reader = DatasetReader.open(input, read)) {
            Iterator<Row> rows = reader.iterator();
            List<String> chunk = new ArrayList<>(CHUNK_ROWS);
            while (rows.hasNext()) {
                chunk.clear();
                while (chunk.size() < CHUNK_ROWS && rows.hasNext()) {
                    chunk.add(rows.next().text());
                }
                written += write(json, chunk, classifier.predictBatch(chunk));
            }
        }
        json.flush();
        return written;
    }

    private long predictLines(Classifier classifier, OutputStream out) throws IOException {
        JsonGenerator json = JsonLines.generator(out);
        long written = 0;
        try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            List<String> chunk = new ArrayList<>(CHUNK_ROWS);
            boolean more = true;
            while (more) {
                chunk.clear();
                String line;
                while (chunk.size() < CHUNK_ROWS && (line = reader.readLine()) != null) {
                    chunk.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
                }
                more = chunk.size() == CHUNK_ROWS;
                written += write(json, chunk, classifier.predictBatch(chunk));
            }
        } catch (CharacterCodingException e) {
            // The reader decodes ahead in blocks, so the failing line is not known precisely.
            throw new CharConversionException(input + " is not UTF-8 text");
        }
        json.flush();
        return written;
    }

    private static int write(JsonGenerator json, List<String> texts, List<Prediction> predictions) throws IOException {
        for (int i = 0; i < texts.size(); i++) {
            Prediction p = predictions.get(i);
            json.writeStartObject();
            json.writeStringField("text", texts.get(i));
            json.writeStringField("label", p.label());
            json.writeObjectFieldStart("probabilities");
            for (int c = 0; c < p.labels().size(); c++) {
                json.writeNumberField(p.labels().get(c), p.probabilities()[c]);
            }
            json.writeEndObject();
            json.writeEndObject();
            json.writeRaw('\n');
        }
        return texts.size();
    }
}
