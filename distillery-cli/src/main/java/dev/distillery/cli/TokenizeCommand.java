package dev.distillery.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.distillery.embed.SentenceEncoder;
import dev.distillery.io.AtomicFiles;
import dev.distillery.io.TokenizerFiles;
import dev.distillery.onnx.MiniLm;
import dev.distillery.tokenize.Tokenizer;
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
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillery tokenize}: the token ids of each input line, written as JSON Lines
 * {@code {"text": ..., "ids": [...]}}, with the special tokens the tokenizer adds by default and no
 * truncation, as Hugging Face's {@code tokenizer(text)} gives them.
 */
@Command(name = "tokenize",
        footer = {"", "Example:", "  distillery tokenize --model ../shared/models/smollm2-135m-instruct \\",
                "      --input examples/urls.txt --output ids.jsonl"},
        mixinStandardHelpOptions = true,
        description = "Token ids of each line of a text file, special tokens included, as JSON Lines.")
public final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "minilm|DIR|FILE",
            description = "'minilm' (bundled), a model folder (tokenizer.json, vocab.txt, llama2.c tok512.bin or one "
                    + ".gguf), a tokenizer file, a GGUF file or a llama2.c checkpoint.")
    String model;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "UTF-8 text, one text per line.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "FILE.jsonl", description = "JSON Lines to write.")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(input)) {
            throw new NoSuchFileException(input.toString(), null, "no such input file");
        }
        long start = System.nanoTime();
        Tokenizer tokenizer = model.equals(SentenceEncoder.MINILM) ? MiniLm.tokenizer() : TokenizerFiles.load(Path.of(model));
        long[] counts = new long[2]; // lines, ids
        AtomicFiles.write(output, out -> tokenizeAll(tokenizer, out, counts));
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "tokenized %d lines into %d ids (%d-id vocabulary) from %s into %s in %.1f s%n", counts[0],
                counts[1], tokenizer.vocabSize(), input, output, (System.nanoTime() - start) / 1e9);
        err.flush();
        return 0;
    }

    private void tokenizeAll(Tokenizer tokenizer, OutputStream out, long[] counts) throws IOException {
        JsonGenerator json = JsonLines.generator(out);
        try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
                int[] ids = tokenizer.encode(text, Tokenizer.NO_TRUNCATION).ids();
                json.writeStartObject();
                json.writeStringField("text", text);
                json.writeArrayFieldStart("ids");
                for (int id : ids) {
                    json.writeNumber(id);
                }
                json.writeEndArray();
                json.writeEndObject();
                json.writeRaw('\n');
                counts[0]++;
                counts[1] += ids.length;
            }
        } catch (CharacterCodingException e) {
            throw new CharConversionException(input + " is not UTF-8 text");
        }
        json.flush();
    }
}
