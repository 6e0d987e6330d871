package dev.distillery.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.data.DatasetException;
import dev.distillery.lora.LoraConfig;
import dev.distillery.data.TextCorpus;
import dev.distillery.lora.PeftAdapter;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.TokenSequences;
import dev.distillery.tensor.Tensor;
import dev.distillery.tokenize.Tokenizer;
import dev.distillery.tokenize.Tokenizers;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.TrainingListener;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA fine-tuning of stories260K end to end: JSON-lines text in, a PEFT adapter out; a run
 * stopped after its first optimizer step and resumed from its checkpoint saves the adapter of the
 * uninterrupted run bit for bit; prompt-completion examples are scored on the completion only;
 * bad text files are named with their line.
 */
class LoraFinetuningTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    static Path tmp;
    static Path stories;
    static Path data;

    @BeforeAll
    static void setUp() throws Exception {
        stories = tmp.resolve("stories260K");
        Files.createDirectories(stories);
        for (String f : new String[] {"stories260K.bin", "tok512.bin"}) {
            try (InputStream in = LoraFinetuningTest.class.getResourceAsStream("/llama2c/stories260K/" + f)) {
                Files.copy(in, stories.resolve(f));
            }
        }
        data = tmp.resolve("stories.jsonl");
        Files.writeString(data, """
                {"text": "Once upon a time, Tom saw a big dog.", "source": "a"}
                {"text": "Lily liked to play with her red ball in the park."}

                {"text": "The cat was sad, so Sam gave it some milk."}
                {"text": "One day, Mia found a shiny stone by the tree."}
                {"text": "Ben and his mom baked a cake for the party."}
                """);
    }

    private static LoraFinetuneOptions options(Path out, boolean resume) {
        TrainOptions t = TrainOptions.defaults().withEpochs(2).withBatchSize(2).withLearningRate(5e-3).withSeed(3)
                .withCheckpointEverySteps(1);
        return new LoraFinetuneOptions(stories, "q4_0", data, null, 2, 4f, 0.05f, List.of("q", "v", "down"),
                LoraConfig.Bias.NONE, 32, false, t, out, resume, false, "test");
    }

    private static final class Crash extends RuntimeException {
    }

    @Test
    void aResumedRunSavesTheAdapterOfTheUninterruptedOne() throws Exception {
        Path a = tmp.resolve("uninterrupted");
        LoraFinetuneResult r = LoraFinetuning.run(options(a, false), TrainingListener.NONE, QUIET);
        assertEquals(5, r.examples(), "blank lines are skipped");
        assertEquals("q4_0", r.baseFormat());
        assertEquals(6, r.training().optimizerSteps(), "three batches of two, two epochs");
        assertFalse(Files.exists(a.resolve(LoraFinetuning.CHECKPOINTS)), "checkpoints go once the adapter is saved");

        Path b = tmp.resolve("interrupted");
        TrainingListener crash = new TrainingListener() {
            @Override
            public void stepDone(long step, double learningRate, float gradNorm) {
                if (step == 2) {
                    throw new Crash();
                }
            }
        };
        assertThrows(Crash.class, () -> LoraFinetuning.run(options(b, false), crash, QUIET));
        assertFalse(Files.exists(b.resolve(PeftAdapter.CONFIG)));
        LoraFinetuneResult resumed = LoraFinetuning.run(options(b, true), TrainingListener.NONE, QUIET);
        assertEquals(4, resumed.stepsRun(), "the resumed run starts after the checkpointed second step");

        Map<String, Tensor> expected = PeftAdapter.read(a).tensors();
        Map<String, Tensor> actual = PeftAdapter.read(b).tensors();
        assertEquals(expected.keySet(), actual.keySet());
        assertEquals(2 * 3 * 5, expected.size(), "A and B of q, v and down in five layers");
        expected.forEach((name, t) -> assertArrayEquals(t.data(), actual.get(name).data(), name));
        assertTrue(expected.values().stream().anyMatch(t -> t.data()[0] != 0f));
    }

    @Test
    void promptCompletionExamplesAreScoredOnTheCompletionOnly() throws Exception {
        Path file = tmp.resolve("pc.jsonl");
        Files.writeString(file, """
                {"prompt": "Once upon a time, Tom", "completion": " saw a big dog."}
                {"text": "Lily liked to play."}
                {"prompt": "One day", "completion": " the sun was out and everyone played in the park all day long, and then they all went home to eat."}
                """);
        Tokenizer tok = Tokenizers.load(stories);
        LoraFinetuning.Tokenized t = LoraFinetuning.tokenize(TextCorpus.read(file), tok, 2, 20);
        TokenSequences s = t.sequences();
        assertEquals(3, s.size());
        int[] prompt = tok.encode("Once upon a time, Tom").ids();
        int[] completion = tok.tokenize(" saw a big dog.");
        assertEquals(1, prompt[0], "the prompt is encoded with BOS");
        int[] ids = s.ids()[0];
        int[] labels = s.labels()[0];
        assertEquals(prompt.length + completion.length + 1, ids.length);
        for (int i = 0; i < ids.length; i++) {
            boolean inPrompt = i < prompt.length;
            assertEquals(inPrompt ? CausalLanguageModel.IGNORE : ids[i], labels[i], "label " + i);
        }
        assertEquals(2, ids[ids.length - 1], "EOS ends the completion");
        assertEquals(completion.length + 1, TokenSequences.scored(labels), "only the completion and EOS are scored");
        assertArrayEquals(s.ids()[1], s.labels()[1], "a text is scored in full");
        assertEquals(20, s.ids()[2].length, "cut to the maximum length");
        assertEquals(1, t.truncated());
    }

    @Test
    void withWindowsALongTextIsLearntWholeAndACompletionStillCut() throws Exception {
        Path file = tmp.resolve("windows.jsonl");
        String text = "Once upon a time, Tom saw a big dog. Tom was very happy and played all day in the park.";
        Files.writeString(file, "{\"text\": \"" + text + "\"}\n"
                + "{\"prompt\": \"One day\", \"completion\": \" the sun was out and everyone played in the park all day.\"}\n");
        Tokenizer tok = Tokenizers.load(stories);
        LoraFinetuning.Tokenized t = LoraFinetuning.tokenize(TextCorpus.read(file), tok, 2, 8, true);
        int[] whole = tok.encode(text).ids();
        TokenSequences s = t.sequences();
        int windows = (whole.length + 1 + 7) / 8; // the text and EOS in windows of 8
        assertTrue(whole.length > 16, "the text spans several windows");
        int[] joined = new int[0];
        for (int w = 0; w < s.size() - 1; w++) {
            assertTrue(s.ids()[w].length <= 8);
            assertArrayEquals(s.ids()[w], s.labels()[w], "a window of a text is scored in full");
            int at = joined.length;
            joined = java.util.Arrays.copyOf(joined, at + s.ids()[w].length);
            System.arraycopy(s.ids()[w], 0, joined, at, s.ids()[w].length);
        }
        int[] expected = java.util.Arrays.copyOf(whole, whole.length + 1);
        expected[whole.length] = 2;
        int lastLength = (whole.length + 1) % 8;
        if (lastLength == 1) { // a last window of EOS alone predicts nothing and is left out
            expected = java.util.Arrays.copyOf(expected, expected.length - 1);
            windows--;
        }
        assertEquals(windows + 1, s.size(), "the text's windows and the completion");
        assertArrayEquals(expected, joined, "the windows hold the whole text and EOS, in order");
        assertEquals(8, s.ids()[s.size() - 1].length, "a prompt-completion example is cut, not split");
        assertEquals(2, t.truncated());
    }

    @Test
    void badTextIsNamedWithItsLine() throws Exception {
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"fine\"}\n{\"title\": \"no text\"}\n{\"prompt\": \"no completion\"}\n");
        LoraFinetuneOptions o = options(tmp.resolve("x"), false);
        LoraFinetuneOptions withBad = new LoraFinetuneOptions(o.model(), o.baseFormat(), bad, null, o.rank(), o.alpha(),
                o.dropout(), o.targets(), o.bias(), o.maxLength(), false, o.training(), o.out(), false, false, "test");
        DatasetException e = assertThrows(DatasetException.class,
                () -> LoraFinetuning.run(withBad, TrainingListener.NONE, QUIET));
        assertTrue(e.getMessage().startsWith(bad + ":2: has no \"text\" text field"), e.getMessage());
        Files.writeString(bad, "{\"prompt\": \"no completion\"}\n");
        e = assertThrows(DatasetException.class, () -> LoraFinetuning.run(withBad, TrainingListener.NONE, QUIET));
        assertTrue(e.getMessage().startsWith(bad + ":1: has no \"completion\" text field"), e.getMessage());

        Files.writeString(bad, "{\"text\": \"fine\"}\n{\"text\": \"cut\n");
        e = assertThrows(DatasetException.class, () -> LoraFinetuning.run(withBad, TrainingListener.NONE, QUIET));
        assertTrue(e.getMessage().startsWith(bad + ":2: is not valid JSON"), e.getMessage());
    }
}
