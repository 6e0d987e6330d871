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
 * malformed question file named with its line; with {@code --adapter}, a LoRA adapter trained by
 * {@code finetune} moves the option log-likelihoods and scores as the merged model does.
 */
class McqCommandTest {
    @TempDir
    Path tmp;

    private Path stories() throws Exception {
        Path model = tmp.resolve("stories260K");
        Files.createDirectories(model);
        for (String f : new String[] {"stories260K.bin", "tok512.bin"}) {
            try (InputStream in = McqCommandTest.class.getResourceAsStream("/llama2c/stories260K/" + f)) {
                Files.copy(in, model.resolve(f));
            }
        }
        return model;
    }

    private Path questions() throws Exception {
        Path data = tmp.resolve("q.jsonl");
        // stories260K answers the second and third right (the letter it prefers holds the answer), so there is
        // something to attack
        Files.writeString(data, """
                {"question": "What does a firewall filter?", "options": {"A": "Network traffic", "B": "Water", "C": "Coffee", "D": "Air"}, "answer": "A"}
                {"question": "What is phishing?", "options": {"A": "A fraud by message", "B": "A sport", "C": "A fish", "D": "A cable"}, "answer": "A"}
                {"question": "What is a worm?", "options": {"A": "Self-spreading malware", "B": "A printer", "C": "A cable", "D": "A fish"}, "answer": "A"}
                """);
        return data;
    }

    @Test
    void scoresAttacksAndReportsCosts() throws Exception {
        Path model = stories();
        Path data = questions();
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

    @Test
    void anAdapterScoresAsTheMergedModel() throws Exception {
        Path model = stories();
        Path data = questions();
        Path text = tmp.resolve("train.txt");
        Files.writeString(text, """
                The following are multiple choice questions (with answers) about cybersecurity. Answer: B
                What is malware? A. Software that harms B. A fruit C. A river D. A song Answer: B
                What is a password? A. A secret word B. A dog C. A cloud D. A shoe Answer: C
                What is encryption? A. Scrambling data B. A game C. A tree D. A boat Answer: D
                """);
        Path adapter = tmp.resolve("adapter");
        Result ft = TeacherCommandsTest.run("finetune", "--model", model.toString(), "--data", text.toString(),
                "--lora-rank", "4", "--lora-targets", "all", "--epochs", "2", "--batch-size", "2", "--lr", "1e-2",
                "--merge", "--out", adapter.toString());
        assertEquals(0, ft.exitCode(), ft.err());

        JsonNode base = perQuestion(model, null);
        JsonNode plus = perQuestion(model, adapter);
        JsonNode merged = perQuestion(adapter.resolve("merged"), null);
        // base plus adapter against W + (α/r)·B·A merged in float32: the logits differ by float32 rounding (of order
        // 1e-5, see FinetuneCommandTest), so a log-softmax over the letters moves by a few 1e-5 at most
        double tolerance = 1e-3;
        double moved = 0;
        for (int i = 0; i < 3; i++) {
            JsonNode a = plus.get(i).get("logProbs");
            JsonNode m = merged.get(i).get("logProbs");
            JsonNode b = base.get(i).get("logProbs");
            double[] lp = new double[a.size()];
            for (int k = 0; k < a.size(); k++) {
                lp[k] = a.get(k).asDouble();
                assertEquals(m.get(k).asDouble(), lp[k], tolerance, "question " + i + " option " + k + ": " + plus + " vs "
                        + merged);
                moved = Math.max(moved, Math.abs(lp[k] - b.get(k).asDouble()));
            }
            double[] sorted = lp.clone();
            java.util.Arrays.sort(sorted);
            if (sorted[sorted.length - 1] - sorted[sorted.length - 2] > 2 * tolerance) {
                assertEquals(merged.get(i).get("predicted").asText(), plus.get(i).get("predicted").asText(),
                        "question " + i);
            }
        }
        assertTrue(moved > 0.05, "the adapter moves the option log-likelihoods, by " + moved);

        Result json = TeacherCommandsTest.run("mcq", "--model", model.toString(), "--adapter", adapter.toString(),
                "--data", data.toString(), "--json");
        assertEquals(0, json.exitCode(), json.err());
        JsonNode summary = new ObjectMapper().readTree(json.out());
        assertTrue(summary.toString().contains("+ LoRA adapter"), "the format names the adapter: " + summary);
        assertEquals(Files.size(model.resolve("stories260K.bin")) + Files.size(model.resolve("tok512.bin"))
                        + Files.size(adapter.resolve("adapter_config.json"))
                        + Files.size(adapter.resolve("adapter_model.safetensors")),
                summary.get("efficiency").get("sizeBytes").asLong(), "size on disk is the base's and the adapter's files");

        Path empty = Files.createDirectories(tmp.resolve("empty-adapter"));
        Result refused = TeacherCommandsTest.run("mcq", "--model", model.toString(), "--adapter", empty.toString(),
                "--data", data.toString());
        assertEquals(1, refused.exitCode(), refused.err());
        assertTrue(refused.err().startsWith("error: ") && refused.err().strip().lines().count() == 1
                && refused.err().contains("not a PEFT adapter folder") && refused.err().contains(empty.toString()),
                refused.err());
    }

    /** mcq.json's per-question results of {@code model}, with {@code adapter} applied when not null. */
    private JsonNode perQuestion(Path model, Path adapter) throws Exception {
        Path out = Files.createTempDirectory(tmp, "mcq");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("mcq", "--model", model.toString(),
                "--data", tmp.resolve("q.jsonl").toString(), "--out", out.toString()));
        if (adapter != null) {
            args.addAll(java.util.List.of("--adapter", adapter.toString()));
        }
        Result r = TeacherCommandsTest.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        return new ObjectMapper().readTree(out.resolve(McqCommand.SUMMARY).toFile()).get("evaluation").get("results");
    }
}
