package dev.distillery.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.cli.TeacherCommandsTest.Result;
import dev.distillery.distill.DecoderDistiller;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.pipeline.DecoderDistillation;
import dev.distillery.pipeline.TeacherTraining;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code distill} with a decoder teacher, stories260K (copied from distillery-core's test
 * resources), on stories it wrote: the student folder it saves is what {@code generate} and
 * {@code mcq} load, and the decoder path's refusals.
 */
class DecoderDistillCommandTest {
    @TempDir
    static Path tmp;
    static Path stories;
    static Path text;

    @BeforeAll
    static void copyModel() throws Exception {
        stories = tmp.resolve("stories260K");
        Files.createDirectories(stories);
        for (String f : new String[] {"stories260K.bin", "tok512.bin"}) {
            try (InputStream in = DecoderDistillCommandTest.class.getResourceAsStream("/llama2c/stories260K/" + f)) {
                Files.copy(in, stories.resolve(f));
            }
        }
        StringBuilder texts = new StringBuilder();
        for (int seed = 1; seed <= 6; seed++) {
            Result g = TeacherCommandsTest.run("generate", "--model", stories.toString(), "--prompt", "Once upon a time",
                    "--max-tokens", "60", "--seed", String.valueOf(seed));
            assertEquals(0, g.exitCode(), g.err());
            texts.append(g.out().strip().replaceAll("\n\\s*\n", "\n")).append("\n\n");
        }
        text = tmp.resolve("stories.txt");
        Files.writeString(text, texts);
    }

    @Test
    void aDistilledStudentGeneratesAndAnswersQuestions() throws Exception {
        Path out = tmp.resolve("student");
        Result r = TeacherCommandsTest.run("distill", "--teacher", stories.toString(), "--train", text.toString(),
                "--validation", text.toString(), "--loss", "reverse-kl", "--epochs", "2", "--batch-size", "2", "--lr", "3e-3",
                "--checkpoint-every", "2", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().matches("(?s).*student after +3 +172 .*6 optimizer steps.*"), r.out());
        assertTrue(DecoderCheckpoint.isDecoderFolder(out));
        assertTrue(Files.isRegularFile(out.resolve(TeacherTraining.CHECKPOINTS).resolve(DecoderDistiller.LAST)));
        assertTrue(Files.isRegularFile(out.resolve("tok512.bin")), "the teacher's tokenizer goes with the student");
        JsonNode summary = new ObjectMapper().readTree(out.resolve(DecoderDistillation.SUMMARY).toFile());
        assertEquals(0.0, summary.get("loss").get("forwardWeight").asDouble(), "reverse KL: " + summary);
        assertEquals(6, summary.get("steps").asInt());
        assertTrue(summary.get("after").get("klStudentTeacher").asDouble()
                < summary.get("before").get("klStudentTeacher").asDouble(), summary.toString());

        Result g = TeacherCommandsTest.run("generate", "--model", out.toString(), "--prompt", "Once upon a time",
                "--max-tokens", "10", "--temperature", "0");
        assertEquals(0, g.exitCode(), g.err());
        assertTrue(g.err().contains("10 tokens generated"), g.err());

        Path questions = tmp.resolve("q.jsonl");
        Files.writeString(questions, """
                {"question": "What does a firewall filter?", "options": {"A": "Traffic", "B": "Water", "C": "Coffee", "D": "Air"}, "answer": "A"}
                {"question": "What is phishing?", "options": {"A": "A sport", "B": "A fraud by message", "C": "A fish", "D": "A cable"}, "answer": "B"}
                """);
        Result m = TeacherCommandsTest.run("mcq", "--model", out.toString(), "--data", questions.toString(), "--json");
        assertEquals(0, m.exitCode(), m.err());
        assertTrue(m.out().contains("\"questions\": 2,"), m.out());

        Result resumed = TeacherCommandsTest.run("distill", "--teacher", stories.toString(), "--train", text.toString(),
                "--validation", text.toString(), "--loss", "reverse-kl", "--epochs", "2", "--batch-size", "2", "--lr", "3e-3",
                "--checkpoint-every", "2", "--resume", "--out", out.toString());
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("0 optimizer steps"), "a finished run has nothing left: " + resumed.out());
    }

    @Test
    void theDecoderPathRefusesClassifierOptionsAndMissingText() {
        Path out = tmp.resolve("refused");
        Result noText = TeacherCommandsTest.run("distill", "--teacher", stories.toString(), "--out", out.toString());
        assertEquals(2, noText.exitCode());
        assertTrue(noText.err().contains("give --train FILE"), noText.err());
        Result qat = TeacherCommandsTest.run("distill", "--teacher", stories.toString(), "--train", text.toString(), "--qat",
                "q8_0", "--out", out.toString());
        assertEquals(2, qat.exitCode());
        assertTrue(qat.err().contains("--qat applies to classifier teachers"), qat.err());
        Result loss = TeacherCommandsTest.run("distill", "--teacher", stories.toString(), "--train", text.toString(),
                "--loss", "js", "--out", out.toString());
        assertEquals(2, loss.exitCode());
        assertTrue(loss.err().contains("--loss must be forward-kl, reverse-kl or mix"), loss.err());
        Result vocab = TeacherCommandsTest.run("distill", "--teacher", stories.toString(), "--train", text.toString(),
                "--vocab-min-count", "3", "--out", out.toString());
        assertEquals(2, vocab.exitCode());
        assertTrue(vocab.err().contains("--vocab-min-count applies to classifier teachers"), vocab.err());
        Result mixOnClassifier = TeacherCommandsTest.run("distill", "--teacher", tmp.resolve("classifier").toString(),
                "--loss", "mix", "--out", out.toString());
        assertEquals(2, mixOnClassifier.exitCode());
        assertTrue(mixOnClassifier.err().contains("--loss mix applies to decoder LLM teachers"), mixOnClassifier.err());
        Result resume = TeacherCommandsTest.run("distill", "--teacher", stories.toString(), "--train", text.toString(),
                "--resume", "--out", out.toString());
        assertTrue(resume.exitCode() != 0 && resume.err().contains("no such checkpoint file to resume"), resume.err());
    }
}
