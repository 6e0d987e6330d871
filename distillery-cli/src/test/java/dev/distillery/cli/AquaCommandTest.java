package dev.distillery.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.cli.TeacherCommandsTest.Result;
import dev.distillery.eval.mcq.McqQuestion;
import dev.distillery.eval.mcq.McqSplit;
import dev.distillery.lora.PeftAdapter;
import dev.distillery.quant.QuantizedDecoder;
import dev.distillery.verify.AquaStudy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code aqua} on stories260K (copied from distillery-core's test resources) with hand-written
 * questions: the fine-tuning split leaves out the evaluation's questions and repeats, the five
 * configurations are built and scored (QLoRA with its adapter applied on the NF4-dq base, which
 * the adapter moves), the two fine-tunings' trainable parameters and peak heap are recorded, and
 * aqua.json and aqua.html hold them.
 */
class AquaCommandTest {
    @TempDir
    Path tmp;

    private static String q(String question, String answer) {
        return "{\"question\": \"" + question + "\", \"options\": {\"A\": \"Traffic rules\", \"B\": \"A fraud by message\", "
                + "\"C\": \"A kind of fish\", \"D\": \"A network cable\"}, \"answer\": \"" + answer + "\"}\n";
    }

    @Test
    void theStudyBuildsAndScoresFiveConfigurations() throws Exception {
        Path model = tmp.resolve("stories260K");
        Files.createDirectories(model);
        for (String f : new String[] {"stories260K.bin", "tok512.bin"}) {
            try (InputStream in = AquaCommandTest.class.getResourceAsStream("/llama2c/stories260K/" + f)) {
                Files.copy(in, model.resolve(f));
            }
        }
        Path data = tmp.resolve("eval.jsonl");
        Files.writeString(data, q("What is phishing?", "B") + q("What does a firewall filter?", "A")
                + q("What is spear phishing?", "B"));
        Path pool = tmp.resolve("pool.jsonl");
        Files.writeString(pool, q("What is vishing?", "B") + q("what is  PHISHING?", "B") + q("What is smishing?", "B")
                + q("What is a man-in-the-middle?", "D") + q("What is vishing?", "B") + q("What is a worm?", "C"));
        Path out = tmp.resolve("study");
        Result r = TeacherCommandsTest.run("aqua", "--model", model.toString(), "--data", data.toString(), "--finetune-pool",
                pool.toString(), "--attack-questions", "2", "--attack-budget", "6", "--epochs", "3", "--batch-size", "2",
                "--lr", "3e-3", "--scheme", "q8_0", "--lora-rank", "4", "--lora-lr", "1e-2", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("4 of the 6 questions of pool.jsonl: 1 dropped because eval.jsonl has their text, "
                + "1 dropped as repeats within the pool"), r.out());
        List<McqQuestion> train = McqQuestion.read(out.resolve(AquaStudy.TRAIN_SPLIT));
        assertEquals(4, train.size());
        for (McqQuestion e : McqQuestion.read(data)) {
            assertFalse(train.stream().anyMatch(t -> McqSplit.key(t).equals(McqSplit.key(e))), e.question());
        }
        for (String row : new String[] {"base ", "q8_0 ", "fine-tuned ", "fine-tuned q8_0 ", "qlora ",
                "full ", "QLoRA r=4 on nf4-dq "}) {
            assertTrue(r.out().contains("\n" + row), row + " row: " + r.out());
        }
        assertTrue(QuantizedDecoder.isQuantizedDecoder(out.resolve("base-q8_0")));
        assertTrue(QuantizedDecoder.isQuantizedDecoder(out.resolve("finetuned-q8_0")));
        assertTrue(QuantizedDecoder.isQuantizedDecoder(out.resolve("base-nf4-dq")));
        assertEquals(4, PeftAdapter.read(out.resolve(AquaStudy.QLORA)).rank());

        JsonNode json = new ObjectMapper().readTree(out.resolve(AquaStudy.JSON).toFile());
        assertEquals(5, json.get("configurations").size());
        assertEquals(4, json.get("trainQuestions").asInt());
        JsonNode losses = json.get("finetune").get("epochLosses");
        assertTrue(losses.get(2).asDouble() < losses.get(0).asDouble(), "fine-tuning lowers the loss: " + losses);
        for (JsonNode c : json.get("configurations")) {
            JsonNode mcq = c.get("mcq");
            assertEquals(3, mcq.get("evaluation").get("questions").asInt());
            assertEquals(2, mcq.get("robustness").get("questions").asInt());
            assertTrue(mcq.get("efficiency").get("tokensPerSecond").asDouble() > 0);
        }
        JsonNode full = json.get("finetune");
        JsonNode qlora = json.get("qloraFinetune");
        assertEquals("nf4-dq", qlora.get("baseScheme").asText());
        assertEquals(json.get("configurations").get(0).get("mcq").get("efficiency").get("parameters").asLong(),
                full.get("trainableParameters").asLong(), "full fine-tuning trains every weight");
        // rank 4 on the seven projections of 5 layers of width 64 (kv 32, ffn 172): a small share of 283,152 weights
        assertTrue(qlora.get("trainableParameters").asLong() > 0
                && qlora.get("trainableParameters").asLong() < full.get("trainableParameters").asLong() / 5, qlora.toString());
        assertTrue(full.get("trainingHeapPeakBytes").asLong() > 0 && qlora.get("trainingHeapPeakBytes").asLong() > 0);
        JsonNode ql = qlora.get("epochLosses");
        assertTrue(ql.get(2).asDouble() < ql.get(0).asDouble(), "QLoRA lowers the loss: " + ql);
        JsonNode qloraRow = json.get("configurations").get(4);
        assertEquals("qlora", qloraRow.get("configuration").asText());
        assertTrue(qloraRow.get("mcq").get("format").asText().startsWith("quantized nf4-dq + LoRA"), qloraRow.toString());

        // the adapter moves the 4-bit base's option log-likelihoods
        Path plain = tmp.resolve("nf4-dq-alone");
        Result alone = TeacherCommandsTest.run("mcq", "--model", out.resolve("base-nf4-dq").toString(), "--data",
                data.toString(), "--out", plain.toString());
        assertEquals(0, alone.exitCode(), alone.err());
        JsonNode without = new ObjectMapper().readTree(plain.resolve(McqCommand.SUMMARY).toFile()).get("evaluation")
                .get("results");
        JsonNode with = new ObjectMapper().readTree(out.resolve("mcq-qlora.json").toFile()).get("evaluation").get("results");
        double moved = 0;
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 4; k++) {
                moved = Math.max(moved, Math.abs(with.get(i).get("logProbs").get(k).asDouble()
                        - without.get(i).get("logProbs").get(k).asDouble()));
            }
        }
        assertTrue(moved > 0.01, "QLoRA's adapter moves the log-likelihoods, by " + moved);

        long fp32 = json.get("configurations").get(2).get("mcq").get("efficiency").get("sizeBytes").asLong();
        long q8 = json.get("configurations").get(3).get("mcq").get("efficiency").get("sizeBytes").asLong();
        assertTrue(q8 < fp32 / 2, "Q8_0 is smaller on disk: " + q8 + " vs " + fp32);
        String html = Files.readString(out.resolve(AquaStudy.HTML));
        assertEquals(1, html.split("<figure class=\"chart\"><svg", -1).length - 1, "one chart");
        assertTrue(html.contains("fine-tuned q8_0") && html.contains(">qlora<")
                && html.contains("QLoRA r=4 on nf4-dq") && !html.contains("not measured"), "the table names every configuration");
    }
}
