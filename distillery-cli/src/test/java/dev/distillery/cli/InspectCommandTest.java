package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.io.Checkpoint;
import dev.distillery.io.WeightNames;
import dev.distillery.model.EncoderConfig;
import dev.distillery.tensor.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class InspectCommandTest {
    @TempDir
    Path tmp;

    private record Result(int exitCode, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setExecutionExceptionHandler(new UserErrors());
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private Path checkpoint() throws IOException {
        EncoderConfig c = new EncoderConfig("bert", 11, 4, 1, 2, 8, 16, 2, 1e-12f, 0.1f, 0.1f, 0.1f, List.of("benign", "phishing"));
        Map<String, Tensor> weights = new LinkedHashMap<>();
        WeightNames.expected(c).forEach((name, shape) -> weights.put(name, Tensor.zeros(shape)));
        Path vocab = tmp.resolve("vocab-src.txt");
        Files.writeString(vocab, "[PAD]\n");
        Path dir = tmp.resolve("model");
        Checkpoint.write(dir, c, weights, vocab);
        return dir;
    }

    @Test
    void printsConfigCountsAndTheTensorTable() throws IOException {
        Path dir = checkpoint();
        Result r = run("inspect", dir.toString());
        assertEquals(0, r.exitCode(), r.err());
        // Embeddings 11·4 + 16·4 + 2·4 + LayerNorm 2·4; one layer: q, k, v, o 4·(4·4+4), LayerNorm 2·4,
        // intermediate 8·4+8, output 4·8+4, LayerNorm 2·4; pooler 4·4+4; classifier 2·4+2.
        long parameters = 44 + 64 + 8 + 8 + (80 + 8 + 40 + 36 + 8) + 20 + 10;
        assertTrue(r.out().contains(String.format(Locale.ROOT, "Parameters   %,d", parameters)), r.out());
        assertTrue(r.out().contains("bert: 1 layers, hidden 4, 2 heads, intermediate 8, vocab 11"), r.out());
        assertTrue(r.out().contains("2 labels: benign, phishing"), r.out());
        assertTrue(r.out().contains("all tensors present"), r.out());
        assertTrue(r.out().matches("(?s).*bert\\.encoder\\.layer\\.0\\.intermediate\\.dense\\.weight\\s+F32\\s+\\[8, 4\\]\\s+128\\n.*"),
                r.out());
        // 5 embedding tensors, 16 per layer, 2 for the pooler, 2 for the classifier.
        assertTrue(r.out().contains("25 tensors"), r.out());
        assertTrue(r.out().contains(String.format(Locale.ROOT, "model.safetensors %,d bytes",
                Files.size(dir.resolve("model.safetensors")))), r.out());
    }

    @Test
    void acceptsASingleSafetensorsFile() throws IOException {
        Path file = checkpoint().resolve("model.safetensors");
        Result r = run("inspect", file.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("classifier.weight") && !r.out().contains("Model "), r.out());
    }

    @Test
    void reportsAProblemInOneSentence() throws IOException {
        Path dir = checkpoint();
        Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
        Result r = run("inspect", dir.toString());
        assertEquals(1, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("too short"), r.err());
        r = run("inspect", tmp.resolve("absent").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("absent"), r.err());
    }
}
