package dev.distillery.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.cli.TeacherCommandsTest.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code mcq} on stories260K (copied from distillery-core's test resources): the tables, the
 * attack's report, the efficiency fields of --json, mcq.json's per-question results, and a
 * malformed question file named with its line.
 */
class McqCommandTest {
    @TempDir
    Path tmp;

    @Test
    void scoresAttacksAndReportsCosts() throws Exception {
        Path model = tmp.resolve("stories260K");
        Files.createDirectories(model);
        for (String f : new String[] {"stories260K.bin", "tok512.bin"}) {
            try (InputStream in = McqCommandTest.class.getResourceAsStream("/llama2c/stories260K/" + f)) {
                Files.copy(in, model.resolve(f));
            }
        }
        Path data = tmp.resolve("q.jsonl");
        // stories260K answers the second and third right (the letter it prefers holds the answer), so there is
        // something to attack
        Files.writeString(data, """
                {"question": "What does a firewall filter?", "options": {"A": "Network traffic", "B": "Water", "C": "Coffee", "D": "Air"}, "answer": "A"}
                {"question": "What is phishing?", "options": {"A": "A fraud by message", "B": "A sport", "C": "A fish", "D": "A cable"}, "answer": "A"}
                {"question": "What is a worm?", "options": {"A": "Self-spreading malware", "B": "A printer", "C": "A cable", "D": "A fish"}, "answer": "A"}
                """);
        Path out = tmp.resolve("run");
        Result r = TeacherCommandsTest.run("mcq", "--model", model.toString(), "--data", data.toString(), "--attack",
                "--attack-budget", "8", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("clean acc") && r.out().contains("mean queries"), "the attack's table: " + r.out());
        JsonNode saved = new ObjectMapper().readTree(out.resolve(McqCommand.SUMMARY).toFile());
        assertEquals(3, saved.get("evaluation").get("questions").asInt());
        assertEquals(3, saved.get("evaluation").get("results").size(), "per-question results saved: " + saved);
        JsonNode rob = saved.get("robustness");
        assertEquals(8, rob.get("queryBudget").asInt());
        assertEquals(2, saved.get("evaluation").get("correct").asInt());
        assertEquals(2, rob.get("cleanCorrect").asInt(), "every question answered right is attacked");
        assertEquals(3, rob.get("results").size());
        assertTrue(rob.get("meanQueries").asDouble() > 1 && rob.get("meanQueries").asDouble() <= 8, "within the budget: "
                + rob);
        assertEquals(rob.get("flipped").asDouble() / 2, rob.get("attackSuccessRate").asDouble(), 1e-12);

        Result json = TeacherCommandsTest.run("mcq", "--model", model.toString(), "--data", data.toString(), "--json");
        assertEquals(0, json.exitCode(), json.err());
        JsonNode e = new ObjectMapper().readTree(json.out()).get("efficiency");
        assertTrue(e.get("tokensPerSecond").asDouble() > 0, e.toString());
        assertTrue(e.get("heapPeakBytes").asLong() > 0, e.toString());
        assertEquals(Files.size(model.resolve("stories260K.bin")) + Files.size(model.resolve("tok512.bin")),
                e.get("sizeBytes").asLong(), "size on disk is the model folder's files");

        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"question\": \"x\", \"options\": {\"A\": \"a\", \"B\": \"b\"}, \"answer\": \"A\"}\n{oops\n");
        Result refused = TeacherCommandsTest.run("mcq", "--model", model.toString(), "--data", bad.toString());
        assertTrue(refused.exitCode() != 0 && refused.err().contains("bad.jsonl:2"), refused.err());
    }
}
