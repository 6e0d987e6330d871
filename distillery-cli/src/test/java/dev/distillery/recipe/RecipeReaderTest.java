package dev.distillery.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing and every kind of check, each failure naming the field path. */
class RecipeReaderTest {
    @TempDir
    static Path shared;
    static Path base;
    static Path train;

    @TempDir
    Path dir;

    @BeforeAll
    static void files() throws Exception {
        base = TinyTeacher.baseModel(shared.resolve("base"));
        train = TinyTeacher.urls(shared.resolve("data/train.csv"), 8, 1);
        TinyTeacher.urls(shared.resolve("data/test.csv"), 8, 2);
    }

    private Recipe yaml(String text) {
        return RecipeReader.parse(text, false, "r.yaml", shared);
    }

    /** The message of the check that {@code text} fails, which must name {@code field}. */
    private String failure(String text, String field) {
        RecipeException e = assertThrows(RecipeException.class, () -> yaml(text));
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith("r.yaml: " + (field.isEmpty() ? "" : field + ": ")), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void anEmptyRecipeIsEveryDefault() {
        Recipe r = yaml("");
        for (Field f : RecipeSchema.fields()) {
            assertEquals(f.defaultValue(), r.values().get(f.path()), f.path());
        }
        assertTrue(r.given().isEmpty());
    }

    @Test
    void valuesAreTypedAndPathsResolvedAgainstTheRecipeFolder() {
        Recipe r = yaml("""
                name: mine
                data: {train: data/train.csv, test: ./data/test.csv, normalize_urls: true}
                teacher: {base: base/tiny-base, epochs: 2, learning_rate: 3e-5, seed: 12345678901}
                student: {layers: 1}
                distillation: {loss: reverse-kl, alpha: 1}
                quantization: {schemes: [nf4-dq]}
                """);
        assertEquals("mine", r.text("name"));
        assertEquals(train, r.path("data.train"));
        assertEquals(shared.resolve("data/test.csv"), r.path("data.test"));
        assertTrue(r.flag("data.normalize_urls"));
        assertEquals(base.toString(), r.text("teacher.base"));
        assertEquals(2, r.integer("teacher.epochs"));
        assertEquals(3e-5, r.number("teacher.learning_rate"));
        assertEquals(12345678901L, r.integer("teacher.seed"));
        // an integer where a number is expected is fine: YAML writes 1 for 1.0
        assertEquals(1.0, r.number("distillation.alpha"));
        assertEquals(List.of("nf4-dq"), r.list("quantization.schemes"));
        assertEquals("reverse-kl", r.text("distillation.loss"));
    }

    @Test
    void jsonReadsLikeYaml() throws Exception {
        Path json = Files.writeString(dir.resolve("r.json"),
                "{\"student\": {\"layers\": 1, \"init\": \"random\", \"hidden\": 8}, \"quantization\": {\"schemes\": []}}");
        Recipe r = RecipeReader.read(json);
        Recipe y = RecipeReader.parse("student: {layers: 1, init: random, hidden: 8}\nquantization: {schemes: []}", false, "y", dir);
        assertEquals(y.values(), r.values());
    }

    @Test
    void anUnknownFieldSuggestsTheNearestName() {
        assertEquals("r.yaml: student.layrs: unknown field; did you mean student.layers?", failure("student: {layrs: 3}", "student.layrs"));
        assertTrue(failure("studnet: {layers: 3}", "studnet").endsWith("did you mean student?"));
        assertTrue(failure("distillation: {temprature: 3}", "distillation.temprature").endsWith("did you mean distillation.temperature?"));
        // a field of another section points there
        assertTrue(failure("teacher: {init: random}", "teacher.init").endsWith("did you mean student.init?"));
        // nothing near: the section's fields are listed
        String m = failure("pruning: {wibble: 1}", "pruning.wibble");
        assertTrue(m.contains("pruning has enabled"), m);
    }

    @Test
    void aWrongTypeNamesTheFieldTheExpectationAndTheValue() {
        assertEquals("r.yaml: student.layers: expected an integer ≥ 0, got \"three\"",
                failure("student: {layers: three}", "student.layers"));
        assertTrue(failure("student: {layers: 2.5}", "student.layers").endsWith("got 2.5"));
        assertTrue(failure("distillation: {alpha: \"half\"}", "distillation.alpha").contains("expected a number"));
        assertTrue(failure("data: {normalize_urls: 1}", "data.normalize_urls").contains("expected true or false, got 1"));
        assertTrue(failure("teacher: 3", "teacher").contains("expected a mapping of fields, got 3"));
        assertTrue(failure("quantization: {schemes: int8}", "quantization.schemes").contains("expected a list"));
        assertTrue(failure("student:\n  layers:\n", "student.layers").endsWith("got no value"));
        assertTrue(failure("- a\n- b", "").contains("expected a mapping of sections"));
    }

    @Test
    void aBadValueNamesTheAllowedOnes() {
        assertTrue(failure("distillation: {alpha: 1.5}", "distillation.alpha").contains("from 0 to 1, got 1.5"));
        assertTrue(failure("teacher: {epochs: 0}", "teacher.epochs").contains("got 0"));
        assertTrue(failure("teacher: {max_length: 2}", "teacher.max_length").contains("from 3 to 512"));
        assertTrue(failure("student: {init: pretrained}", "student.init").contains("one of from-teacher, random, got \"pretrained\""));
        assertTrue(failure("distillation: {loss: forward_kl}", "distillation.loss").endsWith("did you mean forward-kl?"));
        assertTrue(failure("quantization: {schemes: [int8, nf4dq]}", "quantization.schemes[1]").endsWith("did you mean nf4-dq?"));
        assertTrue(failure("quantization: {schemes: [int8, int8]}", "quantization.schemes[1]").contains("listed twice"));
    }

    @Test
    void aMissingFileOrFolderIsNamedWithItsFullPath() {
        assertEquals("r.yaml: data.train: no such file " + shared.resolve("nope.csv"), failure("data: {train: nope.csv}", "data.train"));
        assertTrue(failure("data: {dir: data/train.csv}", "data.dir").contains("expected a folder, got the file"));
        assertTrue(failure("teacher: {base: nowhere}", "teacher.base").contains("does not exist"));
        assertTrue(failure("teacher: {base: data}", "teacher.base").contains("has no config.json"));
        assertTrue(failure("data: {dir: base}", "data.dir").contains("holds no train file"));
    }

    @Test
    void contradictoryFieldsAreRefused() throws Exception {
        assertTrue(failure("data: {dir: data, train: data/train.csv}", "data.train").contains("not both"));
        assertTrue(failure("data: {test: data/test.csv}", "data.test").contains("needs data.train"));
        assertTrue(failure("teacher: {trained: base}", "teacher.trained").contains("has no distillery.json"));
        Path teacher = shared.resolve("trained");
        if (!Files.exists(teacher)) {
            Classifier c = Classifier.forFineTuning(base.toString(), LabelMap.of("benign", "phishing"), TextTransform.NONE, 16, 1);
            c.save(teacher, c.manifest());
        }
        assertEquals(teacher, yaml("teacher: {trained: trained}").path("teacher.trained"));
        assertTrue(failure("teacher: {trained: trained, epochs: 2}", "teacher.epochs").contains("no effect with teacher.trained"));
        assertTrue(failure("student: {hidden: 8}", "student.hidden").contains("student.init: random"));
        // the tiny base has 2 layers
        assertTrue(failure("teacher: {base: base/tiny-base}\nstudent: {layers: 3}", "student.layers").contains("at most its 2 layers"));
        assertEquals(3, yaml("teacher: {base: base/tiny-base}\nstudent: {layers: 3, init: random}").integer("student.layers"));
        assertTrue(failure("teacher: {max_length: 32}\ndistillation: {max_length: 40}", "distillation.max_length")
                .contains("more than teacher.max_length 32"));
    }

    @Test
    void pruningAndVerificationFieldsAreCheckedAgainstEachOther() {
        assertTrue(failure("pruning: {heads: 0.5}", "pruning.heads").contains("unless pruning.enabled is true"));
        assertTrue(failure("verification: {enabled: false, listed: 3}", "verification.listed")
                .contains("unless verification.enabled is true"));
        assertTrue(failure("pruning: {enabled: true, gradual: true, sparsity: 0.5}", "pruning.gradual")
                .contains("pruning.recover_epochs"));
        assertTrue(failure("pruning: {enabled: true, recover_from_teacher: true}", "pruning.recover_from_teacher")
                .contains("trim_vocabulary: false"));
        assertTrue(failure("student: {layers: 2}\npruning: {enabled: true, layers: 2}", "pruning.layers").contains("at least one must stay"));
        assertTrue(failure("pruning: {enabled: true, heads: 1}", "pruning.heads").contains("from 0 to 0.99"));
        assertTrue(failure("data: {train: data/train.csv}", "verification.data").contains("needs a labelled test file"));
        Recipe ok = yaml("data: {train: data/train.csv}\nverification: {data: data/test.csv, robustness: false}");
        assertEquals(shared.resolve("data/test.csv"), ok.path("verification.data"));
        assertEquals(false, ok.flag("verification.robustness"));
    }

    @Test
    void brokenSyntaxAndDuplicateKeysGiveTheLine() {
        assertTrue(failure("student:\n  layers: [1\n", "").contains("not valid YAML at line"));
        assertTrue(failure("student:\n  layers: 1\n  layers: 2\n", "").contains("layers"));
        RecipeException e = assertThrows(RecipeException.class, () -> RecipeReader.parse("{\"student\": ", true, "r.json", dir));
        assertTrue(e.getMessage().startsWith("r.json: not valid JSON at line 1"), e.getMessage());
    }

    @Test
    void aMissingRecipeFileIsNamed() {
        // a missing file, unlike a bad field, is a failure of the run (exit 1), as for every command's inputs
        java.nio.file.NoSuchFileException e = assertThrows(java.nio.file.NoSuchFileException.class,
                () -> RecipeReader.read(dir.resolve("absent.yaml")));
        assertEquals(dir.resolve("absent.yaml").toString(), e.getFile());
        assertEquals("no such recipe file", e.getReason());
    }

    @Test
    void theDemoRecipeIsValidAndAsksForTheIssuesModels() throws Exception {
        Recipe demo = RecipeReader.demo();
        assertEquals("minilm", demo.text("teacher.base"));
        assertEquals(null, demo.path("data.train"));
        assertEquals(List.of("int8", "nf4-dq"), demo.list("quantization.schemes"));
        assertTrue(demo.flag("verification.enabled"));
    }

    @Test
    void editDistanceCountsASwapOnce() {
        assertEquals(1, RecipeReader.distance("lyaers", "layers"));
        assertEquals(0, RecipeReader.distance("a", "a"));
        assertEquals(3, RecipeReader.distance("", "abc"));
    }
}
