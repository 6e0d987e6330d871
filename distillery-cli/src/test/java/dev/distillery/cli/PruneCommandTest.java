package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.cli.TeacherCommandsTest.Result;
import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;
import dev.distillery.io.Checkpoint;
import dev.distillery.io.HfConfig;
import dev.distillery.io.SparseWeights;
import dev.distillery.model.EncoderConfig;
import dev.distillery.nn.Parameter;
import dev.distillery.prune.SparsityMasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * prune through the command line on a tiny 2-layer BERT classifier (hidden 16, 2 heads, FFN 32)
 * and synthetic URLs: every kind of pruning at once, recovered by distillation from the unpruned model.
 */
class PruneCommandTest {
    @TempDir
    static Path shared;
    static Path model;
    static Path train;
    static Path validation;
    static Path test;

    @TempDir
    Path tmp;

    @BeforeAll
    static void tinyClassifier() throws Exception {
        Path base = TinyTeacher.baseModel(shared.resolve("base"));
        Classifier c = Classifier.forFineTuning(base.toString(), LabelMap.of("benign", "phishing"), TextTransform.URL_NORMALIZE,
                24, 3);
        model = shared.resolve("model");
        c.save(model, c.manifest());
        train = TinyTeacher.urls(shared.resolve("data/train.csv"), 48, 1);
        validation = TinyTeacher.urls(shared.resolve("data/validation.csv"), 16, 2);
        test = TinyTeacher.urls(shared.resolve("data/test.csv"), 16, 3);
    }

    private Result prune(Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("prune", "--model", model.toString(), "--train", train.toString(),
                "--validation", validation.toString(), "--test", test.toString(), "--batch-size", "8", "--lr", "1e-3",
                "--importance-rows", "16", "--latency-runs", "3", "--out", out.toString()));
        args.addAll(List.of(more));
        return TeacherCommandsTest.run(args.toArray(String[]::new));
    }

    @Test
    void everyKindOfPruningWithGradualSparsityAndRecovery() throws Exception {
        Path out = tmp.resolve("pruned");
        Result r = prune(out, "--heads", "0.5", "--ffn", "0.5", "--layers", "1", "--sparsity", "0.5", "--gradual",
                "--recover-epochs", "2", "--store-sparse");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("after/before") && r.out().contains("test F1") && r.out().contains("batch-1 latency"),
                r.out());
        assertTrue(Files.isRegularFile(out.resolve(SparseWeights.FILE)));
        assertFalse(Files.exists(out.resolve(Checkpoint.WEIGHTS)));
        EncoderConfig c = HfConfig.read(out.resolve(Checkpoint.CONFIG));
        assertEquals(1, c.numLayers());
        assertEquals(2, c.numHeads(), "num_attention_heads stays the original count, as Hugging Face keeps it");
        assertEquals(1, c.headsInLayer(0));
        assertEquals(16, c.intermediateSize());
        Classifier pruned = Classifier.load(out);
        List<String> prunable = SparsityMasks.prunable(pruned.model().config());
        for (Parameter p : pruned.model().parameters()) {
            if (prunable.contains(p.name())) {
                long zeros = 0;
                for (float v : p.data()) {
                    zeros += v == 0f ? 1 : 0;
                }
                assertEquals(Math.round(0.5 * p.data().length), zeros, p.name());
            }
        }
        Map<String, String> options = pruned.manifest().provenance().options();
        assertEquals("cubic", options.get("sparsity_schedule"));
        assertEquals("2", options.get("recover_epochs"));
        pruned.predict("https://paypal-login.example.com/");
    }

    @Test
    void structuredOnlyKeepsAFolderHuggingFaceReads() throws Exception {
        Path out = tmp.resolve("heads");
        Result r = prune(out, "--heads", "0.5", "--layer-choice", "spread");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.isRegularFile(out.resolve(Checkpoint.WEIGHTS)));
        String json = Files.readString(out.resolve(Checkpoint.CONFIG));
        assertTrue(json.contains("\"pruned_heads\""), json);
        assertEquals(2, Classifier.load(out).model().config().prunedHeads().size());
    }

    @Test
    void outOfRangeFractionsAreOneSentenceErrors() {
        Result r = prune(tmp.resolve("x"), "--heads", "1");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("head fraction 1.0") && r.err().contains("[0, 1)"), r.err());
        Result layers = prune(tmp.resolve("y"), "--layers", "2");
        assertEquals(1, layers.exitCode());
        assertTrue(layers.err().contains("cannot drop 2 of the model's 2 layers"), layers.err());
    }
}
