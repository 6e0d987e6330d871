package dev.distillery.cli;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void unknownInitIsAUsageError() {
        Result r = TeacherCommandsTest.run(distillArgs(teacher, tmp.resolve("out"), "--init", "pretrained"));
        assertEquals(2, r.exitCode());
        assertTrue(r.err().lines().findFirst().orElseThrow().contains("--init must be from-teacher or random"), r.err());
    }
}
