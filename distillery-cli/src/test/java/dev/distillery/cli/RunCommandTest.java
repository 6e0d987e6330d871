package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.classify.TinyTeacher;
import dev.distillery.cli.TeacherCommandsTest.Result;
import dev.distillery.recipe.RecipeReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** run and demo through the command line: exit codes, one-sentence errors, the printed summary. */
class RunCommandTest {
    @TempDir
    Path dir;

    @Test
    void aBadRecipeIsAUsageErrorOfOneSentenceNamingTheField() throws Exception {
        Path recipe = Files.writeString(dir.resolve("bad.yaml"), "student:\n  layers: three\n");
        Result r = TeacherCommandsTest.run("run", recipe.toString());
        assertEquals(2, r.exitCode());
        assertEquals("error: " + recipe + ": student.layers: expected an integer ≥ 0, got \"three\"", r.err().strip());

        Result missing = TeacherCommandsTest.run("run", dir.resolve("absent.yaml").toString());
        assertEquals(1, missing.exitCode(), "a missing file is a failure, as for every command");
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
    }

    @Test
    void checkValidatesWithoutRunning() throws Exception {
        Path recipe = Files.writeString(dir.resolve("ok.yaml"), "student: {layers: 1}\noutputs: {dir: out}\n");
        Result r = TeacherCommandsTest.run("run", recipe.toString(), "--check");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("recipe is valid"), r.out());
        assertTrue(r.out().contains("[2/5] student: distil a 1-layer student") && !r.out().contains("(cached)"), r.out());
        assertTrue(Files.notExists(dir.resolve("out/models")));
    }

    @Test
    void aTinyRecipeRunsAndPrintsTheSummary() throws Exception {
        TinyTeacher.baseModel(dir.resolve("base"));
        TinyTeacher.urls(dir.resolve("train.csv"), 32, 1);
        TinyTeacher.urls(dir.resolve("test.csv"), 16, 3);
        Path recipe = Files.writeString(dir.resolve("tiny.yaml"), """
                data: {train: train.csv, test: test.csv}
                teacher: {base: base/tiny-base, epochs: 1, batch_size: 8, max_length: 16}
                student: {layers: 1}
                distillation: {epochs: 1, batch_size: 8}
                quantization: {schemes: []}
                verification: {enabled: false}
                outputs: {dir: ignored, cache: cache}
                """);
        Result r = TeacherCommandsTest.run("run", recipe.toString(), "--out", dir.resolve("out").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("teacher") && r.out().contains("student") && r.out().contains("accuracy"), r.out());
        assertTrue(r.out().contains("models: " + dir.resolve("out/models")), r.out());
        assertTrue(Files.notExists(dir.resolve("ignored")), "--out overrides outputs.dir");
        Result check = TeacherCommandsTest.run("run", recipe.toString(), "--out", dir.resolve("out").toString(), "--check");
        assertEquals(0, check.exitCode(), check.err());
        assertTrue(check.out().contains("[1/2] teacher: fine-tune") && check.out().contains("(cached)"), check.out());
    }

    @Test
    void aHardLabelTwinRunsFromARecipe() throws Exception {
        // the ablation every distillation study runs: no teacher logits, so no teacher-logits cache
        TinyTeacher.baseModel(dir.resolve("base"));
        TinyTeacher.urls(dir.resolve("train.csv"), 32, 1);
        TinyTeacher.urls(dir.resolve("test.csv"), 16, 3);
        Path recipe = Files.writeString(dir.resolve("twin.yaml"), """
                data: {train: train.csv, test: test.csv}
                teacher: {base: base/tiny-base, epochs: 1, batch_size: 8, max_length: 16}
                student: {layers: 1}
                distillation: {hard_labels_only: true, epochs: 1, batch_size: 8}
                quantization: {schemes: []}
                verification: {enabled: false}
                outputs: {dir: out, cache: cache}
                """);
        Result r = TeacherCommandsTest.run("run", recipe.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.isDirectory(dir.resolve("out/models/student")), r.out());
        assertTrue(Files.notExists(dir.resolve("cache/teacher-logits")), "the twin never computes teacher logits");
    }

    @Test
    void theDemoPrintsTheRecipeItRuns() throws Exception {
        Result r = TeacherCommandsTest.run("demo", "--print-recipe");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(RecipeReader.demo().values(), RecipeReader.parse(r.out(), false, "printed", Path.of("").toAbsolutePath()).values());
    }

    @Test
    void helpShowsAnExample() {
        for (String command : new String[] {"run", "demo"}) {
            Result r = TeacherCommandsTest.run(command, "--help");
            assertEquals(0, r.exitCode());
            assertTrue(r.out().contains("Example:"), r.out());
        }
    }
}
