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
import dev.distillery.cli.TeacherCommandsTest.Result;
import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;
import dev.distillery.io.Checkpoint;
import dev.distillery.pipeline.TeacherTraining;
import dev.distillery.tensor.Tensor;
import dev.distillery.train.ConsoleProgress;
import dev.distillery.train.TrainingListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.io.PrintWriter;
import java.io.StringWriter;
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
 * distill through the command line: a tiny random 2-layer BERT teacher saved with the classify API,
 * synthetic URLs, a 1-layer student that must stand alone as a classifier folder.
 */
class DistillCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    static Path teacher;
    static Path train;
    static Path validation;
    static Path test;
    static Path student;
    static Result distilled;

    @TempDir
    Path tmp;

    static String[] distillArgs(Path teacherDir, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("distill", "--teacher", teacherDir.toString(), "--train", train.toString(),
                "--validation", validation.toString(), "--test", test.toString(), "--epochs", "2", "--batch-size", "8",
                "--lr", "1e-3", "--augment", "1", "--seed", "7", "--out", out.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @BeforeAll
    static void distillOnce() throws Exception {
        Path base = TinyTeacher.baseModel(shared.resolve("base"));
        Classifier c = Classifier.forFineTuning(base.toString(), LabelMap.of("benign", "phishing"), TextTransform.URL_NORMALIZE,
                24, 3);
        teacher = shared.resolve("teacher");
        c.save(teacher, c.manifest());
        train = TinyTeacher.urls(shared.resolve("data/train.csv"), 64, 1);
        validation = TinyTeacher.urls(shared.resolve("data/validation.csv"), 16, 2);
        test = TinyTeacher.urls(shared.resolve("data/test.csv"), 16, 3);
        student = shared.resolve("student");
        distilled = TeacherCommandsTest.run(distillArgs(teacher, student));
    }

    @Test
    void theStudentFolderLoadsOnItsOwnWithATrimmedVocabulary() throws Exception {
        assertEquals(0, distilled.exitCode(), distilled.err());
        for (String f : List.of(Checkpoint.CONFIG, Checkpoint.WEIGHTS, Checkpoint.VOCAB, Manifest.FILE)) {
            assertTrue(Files.isRegularFile(student.resolve(f)), f);
        }
        assertFalse(Files.exists(student.resolve(TeacherTraining.CHECKPOINTS)), "checkpoints and logits cache are removed");
        Classifier s = Classifier.load(student);
        Classifier t = Classifier.load(teacher);
        // half of the teacher's two layers by default
        assertEquals(1, s.model().config().numLayers());
        assertEquals(t.labels(), s.labels());
        assertEquals(TextTransform.URL_NORMALIZE, s.transform());
        // the tiny vocabulary's digits never occur in the synthetic URLs, so trimming must drop them
        assertTrue(s.tokenizer().vocabSize() < t.tokenizer().vocabSize(), s.tokenizer().vocabSize() + " pieces");
        Manifest m = Manifest.read(student.resolve(Manifest.FILE));
        assertEquals(String.valueOf(s.tokenizer().vocabSize()), m.provenance().options().get("kept_vocabulary"));
        assertEquals(teacher.toAbsolutePath().normalize().toString(), m.provenance().options().get("teacher"));
        assertEquals(7, m.provenance().seed());
        assertTrue(m.provenance().command().startsWith("distillery distill --teacher "), m.provenance().command());
        assertTrue(m.metrics().containsKey("test") && m.metrics().containsKey("teacher_test"), m.metrics().toString());

        Prediction p = s.predict("https://www.paypal-login.bank.com/");
        assertTrue(s.labels().names().contains(p.label()), p.label());
        float sum = 0;
        for (float x : p.probabilities()) {
            sum += x;
        }
        // two float probabilities from a softmax computed in double: off from 1 by rounding only
        assertEquals(1f, sum, 1e-6f);
    }

    @Test
    void evaluatingTheSavedStudentGivesTheScoresInItsManifest() throws Exception {
        assertEquals(0, distilled.exitCode(), distilled.err());
        Result eval = TeacherCommandsTest.run("evaluate", "--model", student.toString(), "--data", test.toString(), "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        JsonNode scores = JSON.readTree(eval.out());
        Manifest m = Manifest.read(student.resolve(Manifest.FILE));
        // the same weights (saved as F32) and the same trimmed tokenizer read back from vocab.txt give the same
        // probabilities, so the scores agree up to the JSON round trip of a double
        for (String k : List.of("accuracy", "roc_auc", "brier")) {
            assertEquals(m.metrics().get("test").get(k), scores.get(k).asDouble(), 1e-12, k);
        }
    }

    @Test
    void theComparisonTableShowsTeacherAndStudent() {
        assertEquals(0, distilled.exitCode(), distilled.err());
        for (String s : List.of("teacher", "student", "F1 (phishing)", "ROC-AUC", "ECE", "size on disk", "parameters")) {
            assertTrue(distilled.out().contains(s), s + " in\n" + distilled.out());
        }
    }

    @Test
    void aMinimumPieceCountKeepsFewerPiecesAndTheSavedStudentScoresAsInItsManifest() throws Exception {
        assertEquals(0, distilled.exitCode(), distilled.err());
        Path out = tmp.resolve("min-count");
        Result r = TeacherCommandsTest.run(distillArgs(teacher, out, "--vocab-min-count", "4"));
        assertEquals(0, r.exitCode(), r.err());
        Manifest m = Manifest.read(out.resolve(Manifest.FILE));
        assertEquals("4", m.provenance().options().get("vocab_min_count"));
        Classifier s = Classifier.load(out);
        int everyPiece = Classifier.load(student).tokenizer().vocabSize();
        assertTrue(s.tokenizer().vocabSize() < everyPiece, s.tokenizer().vocabSize() + " of " + everyPiece + " pieces");
        assertEquals(String.valueOf(s.tokenizer().vocabSize()), m.provenance().options().get("kept_vocabulary"));
        // the student read back from its folder tokenizes as the one scored in memory before saving, which trained on
        // its trimmed tokenizer's encodings: the same test scores up to the JSON round trip of a double
        Result eval = TeacherCommandsTest.run("evaluate", "--model", out.toString(), "--data", test.toString(), "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        JsonNode scores = JSON.readTree(eval.out());
        for (String k : List.of("accuracy", "roc_auc", "brier")) {
            assertEquals(m.metrics().get("test").get(k), scores.get(k).asDouble(), 1e-12, k);
        }
    }

    @Test
    void hardLabelsOnlyRunsWithoutTheTeachersOutputs() throws Exception {
        Path out = tmp.resolve("ablation");
        Result r = TeacherCommandsTest.run(distillArgs(teacher, out, "--hard-labels-only", "--no-trim-vocab", "--init", "random"));
        assertEquals(0, r.exitCode(), r.err());
        Manifest m = Manifest.read(out.resolve(Manifest.FILE));
        assertEquals("true", m.provenance().options().get("hard_labels_only"));
        // augmentation needs the teacher's labels, so the ablation adds no rows
        assertEquals("0", m.provenance().options().get("augmented_rows"));
        Classifier s = Classifier.load(out);
        assertEquals(Classifier.load(teacher).tokenizer().vocabSize(), s.tokenizer().vocabSize());
    }

    @Test
    void aFolderWithoutAManifestIsOneSentence() throws Exception {
        Path notATeacher = tmp.resolve("empty");
        Files.createDirectories(notATeacher);
        Result r = TeacherCommandsTest.run(distillArgs(notATeacher, tmp.resolve("out")));
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains(Manifest.FILE), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void aNarrowerStudentFromTheTeacherIsOneSentenceNamingTheWayOut() {
        Result r = TeacherCommandsTest.run(distillArgs(teacher, tmp.resolve("out"), "--student-hidden", "8"));
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--init random"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(tmp.resolve("out").resolve(Manifest.FILE)));
    }

    @Test
    void resumeAfterACrashMidEpochEndsWithTheUninterruptedWeights() throws Exception {
        Path out = tmp.resolve("resumed");
        DistillCommand crashing = new DistillCommand();
        crashing.progress = new TrainingListener() {
            @Override
            public void stepDone(long step, double learningRate, float gradNorm) {
                if (step == 19) {
                    throw new IllegalStateException("simulated crash after step 19");
                }
            }
        };
        // 64 rows and 64 variants in batches of 8: 16 steps per epoch, checkpoints every 2, so the crash falls
        // in epoch 2 and the resumed run redoes step 19 from the checkpoint after step 18
        assertEquals(1, runWith(crashing, distillArgs(teacher, out, "--checkpoint-every", "2")));
        assertFalse(Files.exists(out.resolve(Manifest.FILE)), "no student is saved by a crashed run");
        assertTrue(Files.exists(out.resolve(TeacherTraining.CHECKPOINTS).resolve("last.ckpt")));

        DistillCommand resuming = new DistillCommand();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        resuming.progress = new ConsoleProgress(new PrintStream(progress, true, StandardCharsets.UTF_8));
        assertEquals(0, runWith(resuming, distillArgs(teacher, out, "--checkpoint-every", "2", "--resume")));
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("epoch 2/2 (resumed at batch 2)"), progress.toString());

        // the shared student ran the same steps uninterrupted (checkpoint frequency does not enter the arithmetic)
        Map<String, Tensor> expected = Checkpoint.read(student).weights();
        Map<String, Tensor> actual = Checkpoint.read(out).weights();
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            // Same augmented rows, trimmed vocabulary, teacher logits (read back from the cache exactly as
            // written), seed, data order and dropout: the same bits, as for train-teacher's resume.
            assertArrayEquals(expected.get(name).data(), actual.get(name).data(), name);
        }
        assertEquals("true", Manifest.read(out.resolve(Manifest.FILE)).provenance().options().get("resumed"));
    }

    @Test
    void resumeWithoutACheckpointIsOneSentenceBeforeTheTeacherRuns() {
        Path out = tmp.resolve("fresh");
        Result r = TeacherCommandsTest.run(distillArgs(teacher, out, "--resume"));
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("last.ckpt"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(out.resolve(TeacherTraining.CHECKPOINTS).resolve("teacher-logits.bin")));
    }

    @Test
    void progressShowsTheTeachersValidationScoresBesideTheStudentsEpochs() {
        DistillCommand command = new DistillCommand();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        command.progress = new ConsoleProgress(new PrintStream(progress, true, StandardCharsets.UTF_8));
        assertEquals(0, runWith(command, distillArgs(teacher, tmp.resolve("watched"))));
        String err = progress.toString(StandardCharsets.UTF_8);
        assertTrue(err.contains("teacher on validation: loss "), err);
        // the epoch table's first row is the teacher's, then one row per student epoch
        String lastTable = err.substring(err.lastIndexOf("epoch "));
        List<String> rows = lastTable.lines().filter(l -> l.startsWith("teacher") || l.matches("\\s*\\d+ .*")).toList();
        assertEquals(3, rows.size(), lastTable);
        assertTrue(rows.getFirst().startsWith("teacher"), lastTable);
    }

    @Test
    void otherColumnNamesAndTheAttentionLossAreRecorded() throws Exception {
        Path data = tmp.resolve("renamed");
        Files.createDirectories(data);
        for (Path f : List.of(train, validation)) {
            List<String> lines = new ArrayList<>(Files.readAllLines(f));
            assertEquals("url,label", lines.getFirst(), "TinyTeacher writes url,label");
            lines.set(0, "address,verdict");
            Files.write(data.resolve(f.getFileName()), lines);
        }
        Path out = tmp.resolve("columns");
        Result r = TeacherCommandsTest.run("distill", "--teacher", teacher.toString(), "--train",
                data.resolve(train.getFileName()).toString(), "--validation", data.resolve(validation.getFileName()).toString(),
                "--text-column", "address", "--label-column", "verdict", "--epochs", "1", "--batch-size", "16",
                "--attention-weight", "0.5", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        Map<String, String> options = Manifest.read(out.resolve(Manifest.FILE)).provenance().options();
        assertEquals("address", options.get("text_column"));
        assertEquals("verdict", options.get("label_column"));
        assertEquals("0.5", options.get("attention_weight"));

        Result missing = TeacherCommandsTest.run("distill", "--teacher", teacher.toString(), "--train",
                data.resolve(train.getFileName()).toString(), "--epochs", "1", "--out", tmp.resolve("no-url").toString());
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("url"), missing.err());
    }

    @Test
    void qatTrainsForTheSchemeAndRecordsIt() throws Exception {
        Path out = tmp.resolve("qat");
        Result r = TeacherCommandsTest.run(distillArgs(teacher, out, "--qat", "nf4-dq"));
        assertEquals(0, r.exitCode(), r.err());
        Manifest m = Manifest.read(out.resolve(Manifest.FILE));
        assertEquals("nf4-dq", m.provenance().options().get("qat"));
        assertTrue(m.metrics().containsKey("test_nf4-dq"), m.metrics().toString());
        assertTrue(r.out().contains("student as nf4-dq: F1"), r.out());
        assertEquals("none", Manifest.read(student.resolve(Manifest.FILE)).provenance().options().get("qat"));
    }

    @Test
    void qatSchemesAreCheckedBeforeAnyWork() {
        Result unknown = TeacherCommandsTest.run(distillArgs(teacher, tmp.resolve("a"), "--qat", "int3"));
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("int3") && unknown.err().contains("nf4-dq"), unknown.err());
        // the tiny teacher is 16 wide, and ggml blocks are 32 values of one row
        Result ggml = TeacherCommandsTest.run(distillArgs(teacher, tmp.resolve("b"), "--qat", "q4_0"));
        assertEquals(1, ggml.exitCode());
        assertTrue(ggml.err().contains("multiple of 32") && ggml.err().contains("16"), ggml.err());
        assertEquals(1, ggml.err().strip().lines().count(), ggml.err());
        assertFalse(Files.exists(tmp.resolve("b").resolve(TeacherTraining.CHECKPOINTS)));
    }

    /** Runs the command line with {@code command} as the distill command's instance (to watch or crash it). */
    private static int runWith(DistillCommand command, String... args) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            @SuppressWarnings("unchecked")
            public <K> K create(Class<K> cls) throws Exception {
                return cls == DistillCommand.class ? (K) command : CommandLine.defaultFactory().create(cls);
            }
        };
        CommandLine cli = new CommandLine(new Main(), factory);
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        cli.setExecutionExceptionHandler(new UserErrors());
        return cli.execute(args);
    }

    @Test
    void unknownInitIsAUsageError() {
        Result r = TeacherCommandsTest.run(distillArgs(teacher, tmp.resolve("out"), "--init", "pretrained"));
        assertEquals(2, r.exitCode());
        assertTrue(r.err().lines().findFirst().orElseThrow().contains("--init must be from-teacher or random"), r.err());
    }
}
