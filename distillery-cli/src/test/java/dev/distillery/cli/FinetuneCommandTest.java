package dev.distillery.cli;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.cli.TeacherCommandsTest.Result;
import dev.distillery.classify.Classifier;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.generate.LanguageModel;
import dev.distillery.io.Checkpoint;
import dev.distillery.lora.LoraModels;
import dev.distillery.lora.PeftAdapter;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.WeightSource;
import dev.distillery.tokenize.Batch;
import dev.distillery.io.SafetensorsFile;
import dev.distillery.model.EncoderInput;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune} on stories260K: QLoRA on an NF4-dq base writes a PEFT adapter and a merged
 * model whose logits are those of the FP32 base plus the adapter; {@code generate --adapter} uses
 * it; merging a saved adapter alone writes the same folder; on a BERT classifier it saves the
 * merged classifier, whose logits are the base's plus the adapter's; bad input is refused in one line.
 */
class FinetuneCommandTest {
    @TempDir
    static Path tmp;
    static Path stories;
    static Path text;

    @BeforeAll
    static void setUp() throws Exception {
        stories = tmp.resolve("stories260K");
        Files.createDirectories(stories);
        for (String f : new String[] {"stories260K.bin", "tok512.bin"}) {
            try (InputStream in = FinetuneCommandTest.class.getResourceAsStream("/llama2c/stories260K/" + f)) {
                Files.copy(in, stories.resolve(f));
            }
        }
        text = tmp.resolve("stories.txt");
        Files.writeString(text, """
                Once upon a time, Tom saw a big dog. Tom was very happy and played all day.
                Once upon a time, Lily saw a red ball. Lily was very happy and played all day.
                Once upon a time, Sam saw a small cat. Sam was very happy and played all day.
                Once upon a time, Mia saw a blue kite. Mia was very happy and played all day.
                """);
    }

    @Test
    void qloraThenMergeGivesTheLogitsOfBasePlusAdapter() throws Exception {
        Path out = tmp.resolve("adapter");
        Result r = TeacherCommandsTest.run("finetune", "--model", stories.toString(), "--data", text.toString(),
                "--lora-rank", "4", "--lora-targets", "all", "--base-format", "nf4-dq", "--epochs", "2", "--batch-size",
                "2", "--lr", "1e-2", "--gradient-checkpointing", "--merge", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("nf4-dq") && r.out().contains("q,k,v,o,gate,up,down"), r.out());
        assertTrue(r.out().contains("saved the adapter to " + out + " and the merged model to " + out.resolve("merged")),
                r.out());
        assertTrue(Files.isRegularFile(out.resolve("adapter_config.json")));
        assertTrue(Files.isRegularFile(out.resolve("merged").resolve("config.json")));

        LanguageModel plusAdapter = LanguageModel.load(stories, out);
        LanguageModel merged = LanguageModel.load(out.resolve("merged"));
        LanguageModel base = LanguageModel.load(stories);
        int[] ids = plusAdapter.tokenizer().encode("Once upon a time, Tom saw a red kite.").ids();
        int[] mask = new int[ids.length];
        Arrays.fill(mask, 1);
        EncoderInput in = new EncoderInput(1, ids.length, ids, new int[ids.length], mask);
        float[] expected = plusAdapter.model().logits(in);
        // the FP32 base plus the adapter against W + (α/r)·B·A: float32 rounding of the two forms (of order
        // 1e-5 on logits of magnitude 20), far below what the adapter moves (asserted below)
        assertClose(expected, merged.model().logits(in), 1e-4, 1e-3, "merged vs base + adapter");
        float[] before = base.model().logits(in);
        double moved = 0;
        for (int i = 0; i < before.length; i++) {
            moved = Math.max(moved, Math.abs(before[i] - expected[i]));
        }
        assertTrue(moved > 0.1, "training moved the logits by " + moved);

        Result g = TeacherCommandsTest.run("generate", "--model", stories.toString(), "--adapter", out.toString(),
                "--temperature", "0", "--max-tokens", "20", "--prompt", "Once upon a time");
        assertEquals(0, g.exitCode(), g.err());
        assertTrue(g.err().contains("(llama2.c + LoRA adapter)"), g.err());

        Path again = tmp.resolve("merged-again");
        Result m = TeacherCommandsTest.run("finetune", "--model", stories.toString(), "--adapter", out.toString(),
                "--merge", "--out", again.toString());
        assertEquals(0, m.exitCode(), m.err());
        try (SafetensorsFile a = SafetensorsFile.open(out.resolve("merged").resolve("model.safetensors"));
             SafetensorsFile b = SafetensorsFile.open(again.resolve("model.safetensors"))) {
            String q = "model.layers.2.self_attn.q_proj.weight";
            assertArrayEquals(a.toTensor(q).data(), b.toTensor(q).data(), "merging the saved adapter alone");
        }
    }

    @Test
    void loraOnAnEncoderClassifierSavesTheMergedClassifierAndItsAdapter() throws Exception {
        Path base = TinyTeacher.baseModel(tmp.resolve("bert"));
        Path train = TinyTeacher.urls(tmp.resolve("urls/train.csv"), 64, 1);
        Path validation = TinyTeacher.urls(tmp.resolve("urls/validation.csv"), 16, 2);
        Path out = tmp.resolve("bert-lora");
        Result r = TeacherCommandsTest.run("finetune", "--model", base.toString(), "--data", train.toString(),
                "--validation", validation.toString(), "--lora-rank", "4", "--lora-targets", "query,value,intermediate",
                "--epochs", "2", "--batch-size", "8", "--lr", "5e-3", "--max-length", "24", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("(adapter merged) to " + out + " and the adapter to " + out.resolve("adapter")),
                r.out());
        Path adapterDir = out.resolve("adapter");
        PeftAdapter adapter = PeftAdapter.read(adapterDir);
        assertEquals(PeftAdapter.SEQ_CLS, adapter.taskType());
        assertEquals(List.of("classifier"), adapter.headStems(), "the head trains in full and is saved whole");
        assertEquals(2 * 3 * 2 + 2, adapter.tensors().size(), "A and B of three roles in two layers, the head");

        // the saved classifier (adapter merged) against the base encoder with the adapter as separate products
        Classifier merged = Classifier.load(out);
        SequenceClassifier applied = LoraModels.classifierWithAdapter(merged.model().config(),
                WeightSource.fp32(Checkpoint.read(base).weights()), adapter, adapterDir);
        Batch b = merged.tokenizer().encodeBatch(List.of("paypal-login.bank.com/docs", "wiki.org", "shop-verify.mail.net"),
                24);
        EncoderInput in = new EncoderInput(b.batch(), b.seqLen(), b.ids(), b.typeIds(), b.mask());
        // two float32 forms of the same sums through two layers of width 16 to 32: differences near 1e-6
        assertClose(applied.logits(in), merged.model().logits(in), 1e-4, 1e-4, "merged vs base + adapter");
        assertTrue(adapter.tensors().entrySet().stream().anyMatch(e -> e.getKey().endsWith("lora_B.weight")
                && Arrays.stream(toDoubles(e.getValue().data())).anyMatch(v -> v != 0)), "B trained away from zero");

        Result again = TeacherCommandsTest.run("finetune", "--model", base.toString(), "--data", train.toString(),
                "--lora-rank", "2", "--epochs", "1", "--max-length", "24", "--out", out.toString());
        assertEquals(0, again.exitCode(), "a new fine-tune replaces the folder and its adapter: " + again.err());
        assertEquals(2, PeftAdapter.read(adapterDir).rank());

        Result decoderOnly = TeacherCommandsTest.run("finetune", "--model", base.toString(), "--data", train.toString(),
                "--base-format", "nf4-dq", "--out", tmp.resolve("never").toString());
        usage(decoderOnly, "--base-format nf4-dq is for decoders");
    }

    @Test
    void badInputIsRefusedInOneLine() throws Exception {
        String model = stories.toString();
        String out = tmp.resolve("never").toString();
        usage(TeacherCommandsTest.run("finetune", "--model", model, "--out", out), "--data is required");
        usage(TeacherCommandsTest.run("finetune", "--model", model, "--data", text.toString(), "--lora-rank", "0",
                "--out", out), "--lora-rank must be at least 1");
        usage(TeacherCommandsTest.run("finetune", "--model", model, "--data", text.toString(), "--base-format", "int8",
                "--out", out), "--base-format must be one of fp32");
        usage(TeacherCommandsTest.run("finetune", "--model", model, "--data", text.toString(), "--lora-alpha", "-1",
                "--out", out), "--lora-alpha must be a positive number");
        usage(TeacherCommandsTest.run("finetune", "--model", model, "--adapter", out, "--out", out),
                "--adapter merges an existing adapter");

        Path missing = tmp.resolve("missing.txt");
        failure(TeacherCommandsTest.run("finetune", "--model", model, "--data", missing.toString(), "--out", out),
                missing + ": no such text file");
        failure(TeacherCommandsTest.run("finetune", "--model", model, "--data", text.toString(), "--lora-targets",
                "q,query", "--out", out), "unknown LoRA target \"query\" for a llama model; choose from q, k, v, o");
        Path empty = Files.createDirectories(tmp.resolve("empty-adapter"));
        failure(TeacherCommandsTest.run("generate", "--model", model, "--adapter", empty.toString()),
                "not a PEFT adapter folder");
        failure(TeacherCommandsTest.run("finetune", "--model", tmp.resolve("nothing").toString(), "--data",
                text.toString(), "--out", out), "no such model folder or file");
        assertFalse(Files.exists(Path.of(out).resolve("adapter_config.json")));
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static void usage(Result r, String message) {
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains(message), r.err());
    }

    private static void failure(Result r, String message) {
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().strip().lines().count() == 1 && r.err().contains(message),
                r.err());
    }
}
