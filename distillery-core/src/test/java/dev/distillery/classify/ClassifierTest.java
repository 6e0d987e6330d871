package dev.distillery.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.data.Dataset;
import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;
import dev.distillery.eval.CalibrationObjective;
import dev.distillery.io.Checkpoint;
import dev.distillery.io.CheckpointFormatException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifierTest {
    @TempDir
    Path dir;

    private static final List<String> TEXTS = List.of("https://www.paypal-login.bank.com/", "wiki.org/docs",
            "http://shop.example.net", "mail-verify.cloud.org/home/", "news.com");

    private Classifier fresh(long seed) throws Exception {
        return Classifier.forFineTuning(TinyTeacher.baseModel(dir.resolve("base")).toString(),
                LabelMap.of("benign", "phishing"), TextTransform.URL_NORMALIZE, 20, seed);
    }

    @Test
    void freshHeadIsSeededAndReplacesTheBaseHead() throws Exception {
        Classifier a = fresh(5);
        Classifier b = fresh(5);
        Classifier c = fresh(6);
        assertEquals(List.of("benign", "phishing"), a.model().config().labels());
        float[] wa = a.model().weights().get("classifier.weight").data();
        assertArrayEquals(wa, b.model().weights().get("classifier.weight").data());
        assertTrue(!java.util.Arrays.equals(wa, c.model().weights().get("classifier.weight").data()),
                "another seed gives another head");
        // the encoder comes from the folder whatever the seed
        assertArrayEquals(a.model().weights().get("bert.embeddings.word_embeddings.weight").data(),
                c.model().weights().get("bert.embeddings.word_embeddings.weight").data());
    }

    @Test
    void saveAndLoadGiveTheSamePredictions() throws Exception {
        Classifier c = fresh(5);
        Path out = dir.resolve("saved");
        Manifest written = c.save(out, c.manifest());
        Classifier loaded = Classifier.load(out);
        assertEquals(c.manifest().withFiles(written.files()), loaded.manifest());
        // FP32 weights are stored exactly, and inference is deterministic
        assertArrayEquals(c.probabilities(TEXTS), loaded.probabilities(TEXTS));
    }

    @Test
    void calibrationScoresTheHeldOutRowsAsAFreshEvaluationWould() throws Exception {
        Classifier c = fresh(5);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            texts.add(TextTransform.URL_NORMALIZE.apply(TEXTS.get(i % TEXTS.size()) + "/p" + i));
        }
        // Labelled by the untrained model's own argmax: always right but barely confident, so a
        // temperature below 1 passes the guard and the scores depend on it being applied.
        float[] logits = c.logitsOfPrepared(texts); // [rows, 2]
        int[] labels = new int[texts.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = logits[2 * i + 1] > logits[2 * i] ? 1 : 0;
        }
        Dataset heldOut = new Dataset("held-out", texts, labels, c.labels(), TextTransform.URL_NORMALIZE);
        for (CalibrationObjective objective : CalibrationObjective.values()) {
            Classifier.Calibrated k = c.calibratedAndScored(heldOut, "test rows", objective, null);
            assertTrue(k.classifier().manifest().temperature() < 1, objective + ": the fit sharpens the probabilities");
            // the same logits, divided by the same temperature: the scores agree exactly
            assertEquals(Evaluation.of(k.classifier(), heldOut).summary(), k.heldOut().summary(), objective.toString());
            assertEquals(k.classifier().manifest(), c.calibrated(heldOut, "test rows", objective, null).manifest());
        }
    }

    @Test
    void savedTemperatureDividesTheLogitsOfEveryPrediction() throws Exception {
        Classifier c = fresh(5);
        List<String> prepared = TEXTS.stream().map(TextTransform.URL_NORMALIZE::apply).toList();
        float[] logits = c.logitsOfPrepared(prepared); // [texts, 2]
        Manifest.Calibration k = new Manifest.Calibration(2.5, "test", 5, 0.2, 0.1, 0.7, 0.6);
        Path out = dir.resolve("calibrated");
        c.withCalibration(k).save(out, c.manifest().withCalibration(k));
        Classifier loaded = Classifier.load(out);
        assertEquals(k, loaded.manifest().calibration());
        float[] p = loaded.probabilities(TEXTS);
        for (int r = 0; r < TEXTS.size(); r++) {
            double a = logits[r * 2] / 2.5;
            double b = logits[r * 2 + 1] / 2.5;
            // float softmax against a double one: a few float ulps of values in (0, 1]
            assertEquals(1 / (1 + Math.exp(b - a)), p[r * 2], 1e-6, "text " + r);
            assertEquals(p[r * 2 + 1], loaded.predict(TEXTS.get(r)).probabilities()[1], 0f, "predict agrees with the batch");
        }
        // the uncalibrated classifier still gives the plain softmax
        assertEquals(1 / (1 + Math.exp(logits[1] - logits[0])), c.probabilities(TEXTS)[0], 1e-6);
    }

    @Test
    void predictionIsThreadSafe() throws Exception {
        Classifier c = fresh(5);
        List<Prediction> expected = c.predictBatch(TEXTS);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Prediction>>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(() -> c.predictBatch(TEXTS)));
            }
            for (Future<List<Prediction>> f : results) {
                List<Prediction> got = f.get();
                for (int i = 0; i < TEXTS.size(); i++) {
                    // same batch, same kernels: concurrent calls must not disturb each other's bits
                    assertArrayEquals(expected.get(i).probabilities(), got.get(i).probabilities(), TEXTS.get(i));
                    assertEquals(expected.get(i).label(), got.get(i).label());
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void folderWithoutManifestOrWithOtherLabelsIsRefused() throws Exception {
        Classifier c = fresh(5);
        Path out = dir.resolve("saved");
        c.save(out, c.manifest());
        Files.delete(out.resolve(Manifest.FILE));
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> Classifier.load(out));
        assertTrue(missing.getMessage().contains(Manifest.FILE), missing.getMessage());

        new Manifest(Manifest.FORMAT_VERSION, List.of("good", "bad"), "url-normalize", 20, null, java.util.Map.of())
                .write(out.resolve(Manifest.FILE));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Classifier.load(out));
        assertTrue(e.getMessage().contains(Checkpoint.CONFIG) && e.getMessage().contains("[good, bad]"), e.getMessage());
    }
}
