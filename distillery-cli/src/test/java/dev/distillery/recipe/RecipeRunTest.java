package dev.distillery.recipe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.classify.Classifier;
import dev.distillery.classify.Manifest;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.data.BundledData;
import dev.distillery.io.Checkpoint;
import dev.distillery.pipeline.QuantizationOptions;
import dev.distillery.tensor.Tensor;
import dev.distillery.train.TrainingListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny recipe end to end (random 2-layer BERT teacher, synthetic URLs): the model folders, the
 * cache skipping finished steps, an option change rerunning only what depends on it, the shared
 * teacher cache, and an interrupted teacher resuming to the same weights.
 */
class RecipeRunTest {
    @TempDir
    static Path shared;
    static Path recipeDir;
    static Path out;
    static Run first;
    static Run second;

    @TempDir
    Path tmp;

    record Run(RecipeRun.Result result, String log) {
    }

    static String recipe(Path cache, String distillEpochs) {
        return """
                name: tiny
                data: {train: data/train.csv, validation: data/validation.csv, test: data/test.csv, normalize_urls: true}
                teacher: {base: base/tiny-base, epochs: 2, batch_size: 8, learning_rate: 2.0e-3, max_length: 24, seed: 11,
                          patience: 0, checkpoint_every: 2}
                student: {layers: 1}
                distillation: {epochs: %s, batch_size: 8, learning_rate: 1.0e-3, augment: 1, seed: 7}
                quantization: {schemes: [int8, nf4-dq]}
                verification: {timing: false, attack_urls: 4, attack_budget: 12}
                outputs: {cache: %s}
                """.formatted(distillEpochs, cache);
    }

    static Run run(String text, Path outDir, TrainingListener progress) throws Exception {
        Recipe r = RecipeReader.parse(text, false, "tiny.yaml", recipeDir).withOutputDir(outDir);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (PrintStream p = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            RecipeRun.Result result = new RecipeRun(r, p, progress, "distillery run tiny.yaml").run();
            return new Run(result, log.toString(StandardCharsets.UTF_8));
        }
    }

    @BeforeAll
    static void runTwice() throws Exception {
        recipeDir = shared.resolve("recipe");
        TinyTeacher.baseModel(recipeDir.resolve("base"));
        TinyTeacher.urls(recipeDir.resolve("data/train.csv"), 48, 1);
        TinyTeacher.urls(recipeDir.resolve("data/validation.csv"), 16, 2);
        TinyTeacher.urls(recipeDir.resolve("data/test.csv"), 16, 3);
        out = shared.resolve("out");
        String text = recipe(shared.resolve("cache"), "1");
        first = run(text, out, new TrainingListener() { });
        second = run(text, out, new TrainingListener() { });
    }

    @Test
    void everyModelIsAClassifierFolderUnderModels() throws Exception {
        List<String> names = List.of("teacher", "student", "student-int8", "student-nf4-dq");
        assertEquals(names, List.copyOf(first.result().models().keySet()));
        for (String name : names) {
            Path dir = out.resolve("models").resolve(name);
            assertEquals(dir, first.result().models().get(name));
            Classifier c = Classifier.load(dir);
            assertEquals(name.startsWith("student-"), c.isQuantized(), name);
            assertTrue(c.labels().names().contains(c.predict("https://paypal-login.bank.com/").label()));
            assertFalse(Files.exists(dir.resolve(".checkpoints")), name + " keeps no checkpoints");
            // every model's temperature was fitted on its own logits over the recipe's validation file
            Manifest.Calibration k = c.manifest().calibration();
            assertTrue(k != null && k.model().startsWith("this model (" + (c.isQuantized() ? name.substring(8) : "fp32") + ")")
                    && k.fittedOn().contains("validation.csv"), name + ": " + k);
        }
        assertEquals(1, Classifier.load(out.resolve("models/student")).model().config().numLayers());
        assertFalse(Files.exists(out.resolve(".run/work/teacher")), "work folders are moved into models/");
    }

    @Test
    void theReportComparesEveryModelAndTheTableComesFromIt() throws Exception {
        assertEquals(out.resolve("summary.json"), first.result().summary());
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        List<String> reported = new ArrayList<>();
        summary.path("models").forEach(m -> reported.add(m.path("name").asText()));
        assertEquals(List.of("teacher", "student", "student-int8", "student-nf4-dq"), reported);
        assertTrue(summary.path("models").get(1).path("robustness").isObject(), summary.toPrettyString());
        String table = second.result().table().render();
        for (String name : reported) {
            assertTrue(table.contains(name), table);
        }
        // the cached run prints the accuracy summary.json holds, to the table's four decimals
        double accuracy = summary.path("models").get(0).path("metrics").path("accuracy").asDouble();
        assertTrue(table.contains(String.format(java.util.Locale.ROOT, "%.4f", accuracy)), table);
    }

    @Test
    void theSecondRunSkipsEveryStepAndChangesNothing() throws Exception {
        assertTrue(first.result().steps().stream().noneMatch(RecipeRun.StepOutcome::skipped), first.log());
        assertTrue(second.result().steps().stream().allMatch(RecipeRun.StepOutcome::skipped), second.log());
        assertEquals(first.result().steps().stream().map(RecipeRun.StepOutcome::key).toList(),
                second.result().steps().stream().map(RecipeRun.StepOutcome::key).toList());
        assertTrue(second.log().contains("[1/5] teacher") && second.log().contains("skipped"), second.log());
        // both pipelines log their data splits first thing
        assertFalse(second.log().contains("data: "), "nothing runs in the second run:\n" + second.log());
        assertTrue(first.log().contains("data: "), first.log());
    }

    @Test
    void changingADistillationOptionRerunsOnlyTheStudent() throws Exception {
        Path other = tmp.resolve("out");
        // a copy of the finished run, so this test does not disturb the shared folder
        RecipeRun.linkOrCopyTree(out, other);
        RecipeRun.linkOrCopyTree(out.resolve(".run"), other.resolve(".run"));
        Run changed = run(recipe(shared.resolve("cache"), "2"), other, new TrainingListener() { });
        List<RecipeRun.StepOutcome> steps = changed.result().steps();
        assertTrue(steps.get(0).skipped(), changed.log());
        // the student and everything made from it: the quantized students and the report
        assertTrue(steps.subList(1, steps.size()).stream().noneMatch(RecipeRun.StepOutcome::skipped), changed.log());
        assertNotEquals(first.result().steps().get(1).key(), steps.get(1).key());
        // the training rows are the same, so the teacher's logits over them come from the cache
        assertTrue(changed.log().contains("the teacher's logits over these training rows are in the cache"), changed.log());
        assertEquals("2", Manifest.read(other.resolve("models/student/distillery.json")).provenance().options().get("epochs"));
    }

    @Test
    void aNewOutputFolderTakesTheTeacherFromTheSharedCache() throws Exception {
        Run again = run(recipe(shared.resolve("cache"), "1"), tmp.resolve("fresh"), new TrainingListener() { });
        assertTrue(again.log().contains("found in the cache"), again.log());
        // TeacherTraining logs its model line with the steps per epoch; the distillation logs its own lines
        assertFalse(again.log().contains("steps per epoch"), "the teacher is not trained again:\n" + again.log());
        assertTrue(again.log().contains("student: 1 layers"), again.log());
        assertTrue(again.log().contains("the teacher's logits over these training rows are in the cache"), again.log());
        assertSameWeights(out.resolve("models/teacher"), tmp.resolve("fresh/models/teacher"));
        // the student's training is seeded, so the same key gives the same student
        assertSameWeights(out.resolve("models/student"), tmp.resolve("fresh/models/student"));
    }

    @Test
    void anInterruptedTeacherResumesToTheUninterruptedWeights() throws Exception {
        String text = recipe(tmp.resolve("own-cache"), "1");
        Path o = tmp.resolve("interrupted");
        TrainingListener crash = new TrainingListener() {
            @Override
            public void stepDone(long step, double learningRate, float gradNorm) {
                if (step == 9) {
                    throw new IllegalStateException("simulated crash after step 9");
                }
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> run(text, o, crash));
        assertTrue(e.getMessage().contains("simulated"));
        assertFalse(Files.exists(o.resolve("models/teacher")), "no half-made model is published");
        Run resumed = run(text, o, new TrainingListener() { });
        assertTrue(resumed.log().contains("resuming the interrupted fine-tuning"), resumed.log());
        assertSameWeights(out.resolve("models/teacher"), o.resolve("models/teacher"));
    }

    @Test
    void anInterruptedStudentKeepsItsWorkFolderAndFinishesOnTheNextRun() throws Exception {
        String text = recipe(shared.resolve("cache"), "1");
        Path o = tmp.resolve("student-interrupted");
        // the teacher comes from the shared cache, so the first training steps seen here are the student's
        TrainingListener crash = new TrainingListener() {
            @Override
            public void stepDone(long step, double learningRate, float gradNorm) {
                throw new IllegalStateException("simulated crash in the student step");
            }
        };
        assertThrows(IllegalStateException.class, () -> run(text, o, crash));
        assertTrue(Files.isDirectory(o.resolve(".run/work/student")), "the work folder stays for the next run");
        assertFalse(Files.exists(o.resolve("models/student")));
        Run resumed = run(text, o, new TrainingListener() { });
        assertTrue(resumed.log().contains("the teacher's logits over these training rows are in the cache"), resumed.log());
        assertTrue(resumed.result().steps().get(0).skipped() && !resumed.result().steps().get(1).skipped(), resumed.log());
        assertEquals(5, resumed.result().steps().size());
        assertSameWeights(out.resolve("models/student"), o.resolve("models/student"));
    }

    @Test
    void pruningMakesAFolderOfItsOwnWithHalfTheHeads() throws Exception {
        String text = recipe(shared.resolve("cache"), "1")
                .replace("quantization: {schemes: [int8, nf4-dq]}", "quantization: {schemes: []}")
                .replace("verification: {timing: false, attack_urls: 4, attack_budget: 12}",
                        "verification: {enabled: false}\npruning: {enabled: true, heads: 0.5, importance_rows: 16, latency_runs: 0}");
        Run pruned = run(text, tmp.resolve("pruned"), new TrainingListener() { });
        assertEquals(List.of("teacher", "student", "student-pruned"), List.copyOf(pruned.result().models().keySet()));
        Classifier before = Classifier.load(tmp.resolve("pruned/models/student"));
        Classifier after = Classifier.load(tmp.resolve("pruned/models/student-pruned"));
        long parameters = before.model().parameters().stream().mapToLong(p -> p.data().length).sum();
        long kept = after.model().parameters().stream().mapToLong(p -> p.data().length).sum();
        // one of the two heads goes, and with it its rows of Q, K, V and columns of the attention output
        assertTrue(kept < parameters, kept + " of " + parameters);
    }

    @Test
    void quantizeStepsOnTheBundledDataReadTheTestSplitOnlyWhenScoringIsAskedFor() {
        // validation always (each quantized model refits its temperature); test only for quantization.evaluate
        Path model = tmp.resolve("student");
        QuantizationOptions plain = RecipeReader.parse("quantization: {schemes: [int8]}", false, "r.yaml", tmp)
                .quantizationOptions(model, "int8", tmp.resolve("q"), "test");
        assertEquals(BundledData.phishingUrls().validation(), plain.validation());
        assertEquals(null, plain.test());
        assertFalse(plain.evaluate());
        QuantizationOptions scored = RecipeReader.parse("quantization: {schemes: [int8], evaluate: true}", false, "r.yaml", tmp)
                .quantizationOptions(model, "int8", tmp.resolve("q"), "test");
        assertEquals(BundledData.phishingUrls().test(), scored.test());
        assertTrue(scored.evaluate());
    }

    @Test
    void aRecipeWithoutAnOutputFolderFailsBeforeAnyWork() {
        Recipe r = RecipeReader.parse("quantization: {schemes: []}", false, "r.yaml", tmp);
        RecipeException e = assertThrows(RecipeException.class,
                () -> new RecipeRun(r, System.err, new TrainingListener() { }, "test"));
        assertEquals("outputs.dir", e.field());
    }

    private static void assertSameWeights(Path expected, Path actual) throws Exception {
        Map<String, Tensor> a = Checkpoint.read(expected).weights();
        Map<String, Tensor> b = Checkpoint.read(actual).weights();
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            // same seed, data order and options: training is bit-reproducible (see TrainerTest), so exactly equal
            assertArrayEquals(a.get(name).data(), b.get(name).data(), name);
        }
    }
}
