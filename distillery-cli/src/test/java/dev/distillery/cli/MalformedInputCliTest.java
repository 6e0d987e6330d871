package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.Manifest;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;
import dev.distillery.io.Checkpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees on the command line for each parser's malformed input: exit code 1 (2 for a recipe, which is
 * the command line written down) and exactly one line, {@code error: FILE...: what is wrong}. Each case is one of
 * the kinds of input the fuzz targets found or exercise. A damaged file in a saved model folder is first caught by
 * the manifest's digests; {@code --no-verify} lets the parser see it.
 */
class MalformedInputCliTest {
    @TempDir
    static Path shared;
    static Path model;
    static Path data;

    @TempDir
    Path tmp;

    @BeforeAll
    static void saveAnUntrainedClassifier() throws IOException {
        Path base = TinyTeacher.baseModel(shared.resolve("base"));
        Classifier c = Classifier.forFineTuning(base.toString(), LabelMap.of("benign", "phishing"), TextTransform.NONE, 16, 1);
        model = shared.resolve("model");
        c.save(model, c.manifest());
        data = TinyTeacher.urls(shared.resolve("data.csv"), 8, 1);
    }

    /** A copy of the model folder to damage. */
    private Path modelCopy() throws IOException {
        Path copy = tmp.resolve("model");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        return copy;
    }

    /** Runs the command line and checks its one line of stderr: the exit code, the start and a phrase. */
    private static void assertOneLineError(int exitCode, String start, String phrase, String... args) {
        TeacherCommandsTest.Result r = TeacherCommandsTest.run(args);
        String err = r.err().strip();
        assertEquals(exitCode, r.exitCode(), err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        if (!err.startsWith("error: " + start) || !err.contains(phrase)) {
            throw new AssertionError("expected 'error: " + start + "...' containing '" + phrase + "', got: " + err);
        }
    }

    private static byte[] resource(String path) throws IOException {
        try (InputStream in = MalformedInputCliTest.class.getResourceAsStream("/dev/distillery/" + path)) {
            return in.readAllBytes();
        }
    }

    @Test
    void vocabTxtThatIsNotUtf8() throws IOException {
        Path dir = modelCopy();
        Path vocab = dir.resolve(Checkpoint.VOCAB);
        byte[] bytes = Files.readAllBytes(vocab);
        int seventh = 0;
        for (int line = 1; line < 7; seventh++) {
            line += bytes[seventh] == '\n' ? 1 : 0;
        }
        bytes[seventh + 1] = (byte) 0x81;
        Files.write(vocab, bytes);
        assertOneLineError(1, vocab + ": ", "bytes are not valid UTF-8 at line 7, byte 2 of the line (0x81)",
                "evaluate", "--no-verify", "--model", dir.toString(), "--data", data.toString());
    }

    @Test
    void aModelFileChangedSinceItWasSavedIsNamedBeforeItIsParsed() throws IOException {
        Path dir = modelCopy();
        Path config = dir.resolve(Checkpoint.CONFIG);
        Files.writeString(config, "{}");
        assertOneLineError(1, config + " has 2 bytes but " + dir.resolve(Manifest.FILE) + " records ",
                "it changed after the model was saved; restore the folder, or load it unchecked with --no-verify",
                "evaluate", "--model", dir.toString(), "--data", data.toString());
        assertOneLineError(1, config + ": no \"model_type\"", "", "evaluate", "--no-verify", "--model", dir.toString(),
                "--data", data.toString());
    }

    @Test
    void tokenizerJsonThatIsNotJson() throws IOException {
        Path dir = modelCopy();
        Files.delete(dir.resolve(Checkpoint.VOCAB));
        Path json = dir.resolve(Checkpoint.TOKENIZER_JSON);
        Files.writeString(json, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[PAD]\": 0,}}}");
        assertOneLineError(1, json + ": not valid JSON", "Unexpected character ('}'",
                "evaluate", "--no-verify", "--model", dir.toString(), "--data", data.toString());
    }

    @Test
    void tokenizerJsonWithALineBreakInAToken() throws IOException {
        Path dir = modelCopy();
        Files.delete(dir.resolve(Checkpoint.VOCAB));
        Path json = dir.resolve(Checkpoint.TOKENIZER_JSON);
        Files.writeString(json, "{\"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"vocab\": {\"a\\nb\": 3}}}");
        assertOneLineError(1, json + ": field 'model.vocab'", "'a\\nb' has 3", "evaluate", "--no-verify", "--model", dir.toString(),
                "--data", data.toString());
    }

    @Test
    void configJsonJacksonTakesForUtf32() throws IOException {
        Path dir = modelCopy();
        Path config = dir.resolve(Checkpoint.CONFIG);
        Files.write(config, resource("io/HfConfigFuzzTestInputs/configJson/utf32-guess.json"));
        assertOneLineError(1, config + " is not UTF-8 JSON text", "Invalid UTF-32 character",
                "evaluate", "--no-verify", "--model", dir.toString(), "--data", data.toString());
        assertOneLineError(1, config + " is not UTF-8 JSON text", "Invalid UTF-32 character", "inspect", dir.toString());
    }

    @Test
    void truncatedSafetensors() throws IOException {
        Path dir = modelCopy();
        Path weights = dir.resolve(Checkpoint.WEIGHTS);
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length - 100));
        assertOneLineError(1, weights.toString(), "", "evaluate", "--no-verify", "--model", dir.toString(), "--data", data.toString());
        assertOneLineError(1, weights.toString(), "", "inspect", dir.toString());
    }

    @Test
    void manifestThatIsNotJson() throws IOException {
        Path dir = modelCopy();
        Path manifest = dir.resolve(Manifest.FILE);
        Files.writeString(manifest, "{\"format\": \"distillery-classifier\", ");
        assertOneLineError(1, manifest + " is not valid JSON", "end-of-input",
                "evaluate", "--no-verify", "--model", dir.toString(), "--data", data.toString());
    }

    @Test
    void csvWithAQuoteNeverClosedAndALineBreakInAColumnName() throws IOException {
        Path csv = tmp.resolve("bad.csv");
        Files.writeString(csv, "url,label\nhttp://a.com,benign\n\"http://b.com,phishing\n");
        assertOneLineError(1, csv + ":3: ", "quote opened at column 1 is never closed",
                "evaluate", "--model", model.toString(), "--data", csv.toString());
        Files.writeString(csv, "\"u\nrl\",label\nhttp://a.com,benign\n");
        assertOneLineError(1, csv + ":1: ", "columns present: [u\\nrl, label]",
                "evaluate", "--model", model.toString(), "--data", csv.toString());
    }

    @Test
    void tsvWithTheWrongNumberOfFieldsGzipped() throws IOException {
        Path tsv = tmp.resolve("bad.tsv.gz");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("url\tlabel\nhttp://a.com\tbenign\textra\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.write(tsv, gz.toByteArray());
        assertOneLineError(1, tsv + ":2: ", "expected 2 fields as in the header [url, label] but found 3",
                "evaluate", "--model", model.toString(), "--data", tsv.toString());
        byte[] truncated = Arrays.copyOf(gz.toByteArray(), gz.size() - 10);
        Files.write(tsv, truncated);
        assertOneLineError(1, tsv + ":", "gzip data ends early", "evaluate", "--model", model.toString(), "--data", tsv.toString());
    }

    @Test
    void jsonlWithALineThatIsNotAnObject() throws IOException {
        Path jsonl = tmp.resolve("bad.jsonl");
        Files.writeString(jsonl, "{\"url\": \"http://a.com\", \"label\": \"benign\"}\n[1, 2]\n");
        assertOneLineError(1, jsonl + ":2: ", "expected a JSON object per line, found ARRAY",
                "evaluate", "--model", model.toString(), "--data", jsonl.toString());
    }

    @Test
    void ggufAndLlama2cTokenizerFilesThatAreCutShort() throws IOException {
        Path text = tmp.resolve("texts.txt");
        Files.writeString(text, "hello\n");
        Path gguf = tmp.resolve("model.gguf");
        byte[] reference = resource("io/gguf/GgufFuzzTestInputs/ggufFile/reference.gguf");
        Files.write(gguf, Arrays.copyOf(reference, reference.length / 2));
        assertOneLineError(1, gguf.toString(), "", "tokenize", "--model", gguf.toString(), "--input", text.toString(),
                "--output", tmp.resolve("ids.jsonl").toString());
        Path bin = tmp.resolve("tok512.bin");
        byte[] tok512 = resource("tokenize/TokenizerFilesFuzzTestInputs/tokenizerFile/tok512.bin.txt");
        Files.write(bin, Arrays.copyOfRange(tok512, 1, tok512.length / 2));
        assertOneLineError(1, bin.toString(), "", "tokenize", "--model", bin.toString(), "--input", text.toString(),
                "--output", tmp.resolve("ids.jsonl").toString());
    }

    @Test
    void recipesThatAreNotUtf8OrNotJson() throws IOException {
        Path yaml = tmp.resolve("recipe.yaml");
        Files.write(yaml, "name: x\nteacher:\n  base: minilm\u00ff\n".getBytes(StandardCharsets.ISO_8859_1));
        assertOneLineError(2, yaml + ": ", "bytes are not valid UTF-8 at line 3, byte 15 of the line (0xff)",
                "run", yaml.toString(), "--check");
        Path json = tmp.resolve("recipe.json");
        Files.writeString(json, "{\"name\": \"x\",\n \"teacher\": {\"epochs\": }}");
        assertOneLineError(2, json + ": not valid JSON at line 2, column 24", "Unexpected character ('}'",
                "run", json.toString(), "--check");
        Files.writeString(yaml, "name: x\n\"stu\\ndent\": {}\n");
        assertOneLineError(2, yaml + ": stu\\ndent: unknown section", "", "run", yaml.toString(), "--check");
    }
}
