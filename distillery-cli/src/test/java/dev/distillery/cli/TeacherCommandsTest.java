package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.classify.Classifier;
import dev.distillery.classify.Manifest;
import dev.distillery.classify.Prediction;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.data.TextTransform;
import dev.distillery.io.Checkpoint;
import dev.distillery.pipeline.TeacherTraining;
import dev.distillery.tensor.Tensor;
import dev.distillery.train.TrainingListener;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * train-teacher → evaluate → predict through the command line on a tiny random BERT and synthetic
 * URLs; one trained folder is shared by the tests that only read it.
 */
class TeacherCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    static Path base;
    static Path train;
    static Path validation;
    static Path test;
    static Path model;
    static Result trained;

    @TempDir
    Path tmp;

    record Result(int exitCode, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.configure(new CommandLine(new Main()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    static String[] trainArgs(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("train-teacher", "--model", base.toString(), "--train", train.toString(),
                "--validation", validation.toString(), "--test", test.toString(), "--normalize-urls", "--epochs", "8",
                "--batch-size", "8", "--lr", "2e-3", "--patience", "0", "--max-length", "24", "--seed", "11", "--out", out.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @BeforeAll
    static void trainOnce() throws Exception {
        base = TinyTeacher.baseModel(shared.resolve("base"));
        train = TinyTeacher.urls(shared.resolve("data/train.csv"), 128, 1);
        validation = TinyTeacher.urls(shared.resolve("data/validation.csv"), 24, 2);
        test = TinyTeacher.urls(shared.resolve("data/test.csv"), 24, 3);
        model = shared.resolve("teacher");
        trained = run(trainArgs(model));
    }

    @Test
    void trainTeacherWritesAHuggingFaceFolderWithItsManifest() throws Exception {
        assertEquals(0, trained.exitCode(), trained.err());
        for (String f : List.of(Checkpoint.CONFIG, Checkpoint.WEIGHTS, Checkpoint.VOCAB, Manifest.FILE)) {
            assertTrue(Files.isRegularFile(model.resolve(f)), f);
        }
        assertFalse(Files.exists(model.resolve(TeacherTraining.CHECKPOINTS)), "checkpoints are removed once the model is saved");
        Manifest m = Manifest.read(model.resolve(Manifest.FILE));
        assertEquals(List.of("benign", "phishing"), m.labels());
        assertEquals(TextTransform.URL_NORMALIZE, m.transform());
        assertEquals(24, m.maxLength());
        assertEquals(List.of("train", "validation", "test"), m.provenance().data().stream().map(d -> d.role()).toList());
        assertEquals(Files.size(train), m.provenance().data().getFirst().sizeBytes());
        assertEquals("8", m.provenance().options().get("epochs"));
        assertEquals(11, m.provenance().seed());
        assertTrue(m.provenance().command().startsWith("distillery train-teacher --model ")
                && m.provenance().command().contains("--normalize-urls"), m.provenance().command());
        // the config's labels are the manifest's, and the head of the 3-label base was replaced
        assertEquals(m.labels(), Checkpoint.read(model).config().labels());
        assertTrue(trained.out().contains("F1 (phishing)"), trained.out());
    }

    @Test
    void theTinyTeacherLearnsTheSignalWord() throws Exception {
        // The label is decided by one of three whole-word tokens; 8 epochs at lr 2e-3 separate the test URLs.
        Manifest m = Manifest.read(model.resolve(Manifest.FILE));
        assertTrue(m.metrics().get("test").get("f1") >= 0.9, "test metrics " + m.metrics().get("test"));
    }

    @Test
    void evaluateAgreesWithPredictAndTheManifest() throws Exception {
        Result eval = run("evaluate", "--model", model.toString(), "--data", test.toString(), "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        JsonNode metrics = JSON.readTree(eval.out());
        assertTrue(eval.err().contains("confusion") || eval.err().contains("actual"), "tables on stderr with --json");
        Manifest m = Manifest.read(model.resolve(Manifest.FILE));
        // The same model on the same file: train-teacher's test scores and evaluate's are the same numbers.
        assertEquals(m.metrics().get("test").get("f1"), metrics.get("f1").asDouble());
        assertEquals(m.metrics().get("test").get("brier"), metrics.get("brier").asDouble());
        assertEquals(m.metrics().get("test").get("roc_auc"), metrics.get("roc_auc").asDouble());
        assertEquals("phishing", metrics.get("positive_label").asText());

        Path out = tmp.resolve("predictions.jsonl");
        Result predict = run("predict", "--model", model.toString(), "--input", test.toString(), "--output", out.toString());
        assertEquals(0, predict.exitCode(), predict.err());
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        List<String> rows = Files.readAllLines(test, StandardCharsets.UTF_8).subList(1, 25);
        assertEquals(rows.size(), lines.size());
        long[][] confusion = new long[2][2];
        List<String> labels = List.of("benign", "phishing");
        for (int i = 0; i < rows.size(); i++) {
            assertTrue(lines.get(i).startsWith("{\"text\":"), "one object per line, nothing before it: " + lines.get(i));
            JsonNode p = JSON.readTree(lines.get(i));
            String url = rows.get(i).substring(0, rows.get(i).lastIndexOf(','));
            String actual = rows.get(i).substring(rows.get(i).lastIndexOf(',') + 1);
            assertEquals(url, p.get("text").asText(), "predict echoes the raw input, in order");
            double sum = p.get("probabilities").get("benign").asDouble() + p.get("probabilities").get("phishing").asDouble();
            assertEquals(1.0, sum, 1e-6, "two float probabilities sum to 1 within float rounding");
            confusion[labels.indexOf(actual)][labels.indexOf(p.get("label").asText())]++;
        }
        for (int a = 0; a < 2; a++) {
            for (int p = 0; p < 2; p++) {
                assertEquals(confusion[a][p], metrics.get("confusion_matrix").get(a).get(p).asLong(), "cell " + a + "," + p);
            }
        }
    }

    @Test
    void calibrateRefitsTheSameTemperatureFromTheRecordedValidationFile() throws Exception {
        Manifest original = Manifest.read(model.resolve(Manifest.FILE));
        assertTrue(original.calibration() != null && original.calibration().fittedOn().startsWith("validation: "
                + validation.toAbsolutePath().normalize()), "train-teacher fits a temperature: " + original.calibration());
        Path copy = tmp.resolve("copy");
        Files.createDirectories(copy);
        try (var files = Files.list(model)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        // start from an uncalibrated manifest, as a model made before calibration existed
        original.withCalibration(null).write(copy.resolve(Manifest.FILE));

        Result r = run("calibrate", "--model", copy.toString());

        assertEquals(0, r.exitCode(), r.err());
        Manifest back = Manifest.read(copy.resolve(Manifest.FILE));
        // same rows, same weights, same deterministic search: the very same temperature and scores
        assertEquals(original.calibration(), back.calibration());
        assertEquals(original.metrics().get("test"), back.metrics().get("test"), "test metrics re-scored with T");
        assertTrue(r.out().contains("temperature"), r.out());

        Result ece = run("calibrate", "--model", copy.toString(), "--objective", "ece");
        assertEquals(0, ece.exitCode(), ece.err());
        Manifest.Calibration byEce = Manifest.read(copy.resolve(Manifest.FILE)).calibration();
        assertEquals("ece", byEce.objective());
        // whatever the verdict, the applied temperature is the fitted one or 1, and the manifest says which
        assertTrue(byEce.guard().startsWith("accepted") ? byEce.temperature() == byEce.fittedTemperature()
                : byEce.temperature() == 1, byEce.toString());
        Result bad = run("calibrate", "--model", copy.toString(), "--objective", "brier");
        assertEquals(2, bad.exitCode(), "an unknown objective is a usage error: " + bad.err());
        assertTrue(bad.err().contains("nll") && bad.err().contains("ece"), bad.err());
    }

    @Test
    void predictionAppliesTheRecordedUrlNormalisation() throws Exception {
        Path input = tmp.resolve("urls.txt");
        Files.write(input, List.of("HTTPS://www.paypal-login.bank.com/", "paypal-login.bank.com", "http://wiki.org/docs"),
                StandardCharsets.UTF_8);
        Path out = tmp.resolve("out.jsonl");
        Result r = run("predict", "--model", model.toString(), "--input", input.toString(), "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        JsonNode raw = JSON.readTree(lines.get(0));
        JsonNode normalised = JSON.readTree(lines.get(1));
        assertEquals("HTTPS://www.paypal-login.bank.com/", raw.get("text").asText());
        // url-normalize maps the first line onto the second, so the model sees identical tokens
        assertEquals(normalised.get("probabilities"), raw.get("probabilities"));

        Classifier c = Classifier.load(model);
        Prediction direct = c.predict("HTTPS://www.paypal-login.bank.com/");
        Prediction stripped = c.predict("paypal-login.bank.com");
        assertArrayEquals(stripped.probabilities(), direct.probabilities());
        // Without the transform the scheme and www. become tokens and the probabilities move.
        float[] unnormalised = c.probabilitiesOfPrepared(List.of("HTTPS://www.paypal-login.bank.com/"));
        assertFalse(unnormalised[1] == direct.probabilities()[1], "the raw text is a different input");
        assertEquals((float) raw.get("probabilities").get("phishing").asDouble(), direct.probability("phishing"));
    }

    @Test
    void unknownLabelAtEvaluationNamesFileAndLine() throws Exception {
        Path data = tmp.resolve("bad.csv");
        Files.write(data, List.of("url,label", "a.com,benign", "b.com,malware"), StandardCharsets.UTF_8);
        Result r = run("evaluate", "--model", model.toString(), "--data", data.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("error: " + data + ":3:"), r.err());
        assertTrue(r.err().contains("malware"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void missingColumnIsOneSentence() throws Exception {
        Path data = tmp.resolve("cols.csv");
        Files.write(data, List.of("link,label", "a.com,benign"), StandardCharsets.UTF_8);
        Result r = run("evaluate", "--model", model.toString(), "--data", data.toString(), "--text-column", "url");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("missing text column 'url'"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        Result t = run(trainArgs(tmp.resolve("never"), "--label-column", "class"));
        assertEquals(1, t.exitCode());
        assertTrue(t.err().contains("missing label column 'class'") && t.err().contains(train.toString()), t.err());
        assertFalse(Files.exists(tmp.resolve("never").resolve(Manifest.FILE)));
    }

    @Test
    void corruptModelFolderIsOneSentence() throws Exception {
        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken);
        for (String f : List.of(Checkpoint.CONFIG, Checkpoint.VOCAB, Manifest.FILE)) {
            Files.copy(model.resolve(f), broken.resolve(f));
        }
        byte[] weights = Files.readAllBytes(model.resolve(Checkpoint.WEIGHTS));
        Files.write(broken.resolve(Checkpoint.WEIGHTS), java.util.Arrays.copyOf(weights, weights.length / 2));
        Path input = tmp.resolve("in.txt");
        Files.writeString(input, "a.com\n");
        Path out = tmp.resolve("o.jsonl");
        Result r = run("predict", "--model", broken.toString(), "--input", input.toString(), "--output", out.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(Checkpoint.WEIGHTS), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(out));

        // a plain Hugging Face folder without the manifest is not a trained classifier
        Result noManifest = run("evaluate", "--model", base.toString(), "--data", test.toString());
        assertEquals(1, noManifest.exitCode());
        assertTrue(noManifest.err().contains(Manifest.FILE), noManifest.err());
    }

    @Test
    void resumeAfterACrashMidEpochEndsWithTheUninterruptedWeights() throws Exception {
        Path out = tmp.resolve("resumed");
        TrainTeacherCommand crashing = new TrainTeacherCommand();
        crashing.progress = new TrainingListener() {
            @Override
            public void stepDone(long step, double learningRate, float gradNorm) {
                if (step == 19) {
                    throw new IllegalStateException("simulated crash after step 19");
                }
            }
        };
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            @SuppressWarnings("unchecked")
            public <K> K create(Class<K> cls) throws Exception {
                return cls == TrainTeacherCommand.class ? (K) crashing : CommandLine.defaultFactory().create(cls);
            }
        };
        CommandLine cli = new CommandLine(new Main(), factory);
        cli.setErr(new PrintWriter(new StringWriter(), true));
        cli.setExecutionExceptionHandler(new UserErrors());
        // 128 rows in batches of 8: 16 steps per epoch, checkpoints every 2, so the crash falls in
        // epoch 2 and the resumed run redoes step 19 from the checkpoint after step 18
        assertEquals(1, cli.execute(trainArgs(out, "--checkpoint-every", "2")));
        assertFalse(Files.exists(out.resolve(Manifest.FILE)), "no model is saved by a crashed run");
        assertTrue(Files.exists(out.resolve(TeacherTraining.CHECKPOINTS).resolve("last.ckpt")));

        Result resumed = run(trainArgs(out, "--checkpoint-every", "2", "--resume"));
        assertEquals(0, resumed.exitCode(), resumed.err());

        // Checkpoint frequency does not enter the arithmetic: the shared model ran the same steps uninterrupted.
        Map<String, Tensor> expected = Checkpoint.read(model).weights();
        Map<String, Tensor> actual = Checkpoint.read(out).weights();
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            // Same seed, data order, dropout masks and options: the same bits. The kernels and training maths give
            // the same results interpreted and compiled (see InterpretedAndCompiledAgreeTest), so JIT timing cannot
            // make the resumed run drift.
            assertArrayEquals(expected.get(name).data(), actual.get(name).data(), name);
        }
    }

    @Test
    void dataFolderOfJsonLinesWithClassWeights() throws Exception {
        Path data = tmp.resolve("jsonl");
        Files.createDirectories(data);
        for (String split : List.of("train", "validation")) {
            List<String> rows = Files.readAllLines(split.equals("train") ? train : validation, StandardCharsets.UTF_8);
            List<String> json = new ArrayList<>();
            for (String row : rows.subList(1, rows.size())) {
                int comma = row.lastIndexOf(',');
                // integer labels in JSON: 1 and "1" are the same label
                json.add(JSON.writeValueAsString(Map.of("text", row.substring(0, comma),
                        "label", row.substring(comma + 1).equals("phishing") ? 1 : 0)));
            }
            Files.write(data.resolve(split + ".jsonl"), json, StandardCharsets.UTF_8);
        }
        Path out = tmp.resolve("from-jsonl");
        Result r = run("train-teacher", "--model", base.toString(), "--data", data.toString(), "--epochs", "1",
                "--batch-size", "16", "--max-length", "16", "--class-weights", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        Manifest m = Manifest.read(out.resolve(Manifest.FILE));
        assertEquals(List.of("0", "1"), m.labels());
        assertEquals(TextTransform.NONE, m.transform(), "no --normalize-urls: texts are used as read");
        assertEquals("true", m.provenance().options().get("class_weights"));
        assertTrue(m.metrics().containsKey("validation") && !m.metrics().containsKey("test"), m.metrics().toString());

        Result eval = run("evaluate", "--model", out.toString(), "--data", data.resolve("validation.jsonl").toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().contains("F1 (1)") && eval.out().contains("actual \\ predicted"), "tables on stdout: " + eval.out());
    }

    @Test
    void resumeWithoutACheckpointIsOneSentence() {
        Result r = run(trainArgs(tmp.resolve("fresh"), "--resume"));
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("last.ckpt"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run("predict", "--model", model.toString()).exitCode());
        assertEquals(2, run("train-teacher", "--epochs", "x", "--out", tmp.toString()).exitCode());
    }
}
