package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.cli.TeacherCommandsTest.Result;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code distillery attack} against a tiny teacher trained by {@code train-teacher}: the table, the JSON, bad options. */
class AttackCommandTest {
    @TempDir
    static Path shared;
    static Path teacher;

    @BeforeAll
    static void trainATinyTeacher() throws Exception {
        Path base = TinyTeacher.baseModel(shared.resolve("base"));
        Path train = TinyTeacher.urls(shared.resolve("data/train.csv"), 128, 1);
        Path validation = TinyTeacher.urls(shared.resolve("data/validation.csv"), 24, 2);
        teacher = shared.resolve("teacher");
        Result r = TeacherCommandsTest.run("train-teacher", "--model", base.toString(), "--train", train.toString(),
                "--validation", validation.toString(), "--normalize-urls", "--epochs", "8", "--batch-size", "8", "--lr",
                "2e-3", "--patience", "0", "--max-length", "24", "--seed", "11", "--out", teacher.toString());
        assertEquals(0, r.exitCode(), r.err());
    }

    @Test
    void attackCommandPrintsTheTableAndJson() throws Exception {
        Path data = TinyTeacher.urls(shared.resolve("cli.csv"), 30, 8);
        Result r = TeacherCommandsTest.run("attack", "--model", teacher.toString(), "--data", data.toString(), "--budget",
                "20", "--limit", "6", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode model = new ObjectMapper().readTree(r.out()).get("models").get(0);
        assertEquals(6, model.get("urls").asInt());
        assertEquals(20, model.get("queryBudget").asInt());
        assertTrue(r.err().contains("robust acc"), r.err());
        double asr = model.get("attackSuccessRate").asDouble();
        assertEquals((double) model.get("flipped").asInt() / model.get("cleanCorrect").asInt(), asr, 1e-12);

        Result bad = TeacherCommandsTest.run("attack", "--model", teacher.toString(), "--limit", "-1");
        assertNotEquals(0, bad.exitCode());
        assertFalse(bad.err().isEmpty());
    }
}
