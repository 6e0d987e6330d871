package dev.distillery.robust;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.data.Dataset;
import dev.distillery.data.ReadOptions;
import dev.distillery.data.TextTransform;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.pipeline.TeacherOptions;
import dev.distillery.pipeline.TeacherTraining;
import dev.distillery.tensor.Tensor;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.TrainingListener;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny URL classifier trained once as {@code train-teacher} would on {@link TinyTeacher}'s synthetic URLs
 * (phishing exactly when a host label says login, verify or secure), a copy with rounded weights, and
 * seeded URL-like texts.
 */
final class TinyUrlModels {

    private TinyUrlModels() {
    }

    /** Trains the tiny teacher into {@code dir}/teacher (a few seconds), as {@code train-teacher} would, and loads it. */
    static Classifier trainedTeacher(Path dir) throws IOException {
        Path base = TinyTeacher.baseModel(dir.resolve("base"));
        Path train = TinyTeacher.urls(dir.resolve("data/train.csv"), 128, 1);
        Path validation = TinyTeacher.urls(dir.resolve("data/validation.csv"), 24, 2);
        Path out = dir.resolve("teacher");
        TrainOptions t = TrainOptions.defaults().withEpochs(8).withBatchSize(8).withLearningRate(2e-3).withSeed(11)
                .withPatience(0);
        TeacherTraining.run(new TeacherOptions(base.toString(), null, train, validation, null, null, "label", true, 24, 0,
                false, t, out, false, "distillery train-teacher (TinyUrlModels)"), new TrainingListener() { },
                new PrintStream(OutputStream.nullOutputStream()));
        return Classifier.load(out);
    }

    /**
     * {@code m} with its classifier head (weights and bias) multiplied by {@code factor}: logits scale by it, so
     * predictions stay and probabilities move away from 0.5, as a temperature of 1 / factor would move them.
     * The briefly trained tiny teacher has small margins; sharpened, it spreads its texts over (0, 1).
     */
    static SequenceClassifier sharpened(SequenceClassifier m, float factor) {
        SequenceClassifier copy = SequenceClassifier.create(m.config(), 0);
        Map<String, Tensor> w = new LinkedHashMap<>();
        m.weights().forEach((name, t) -> {
            float[] d = t.data().clone();
            if (name.startsWith("classifier.")) {
                for (int i = 0; i < d.length; i++) {
                    d[i] *= factor;
                }
            }
            w.put(name, Tensor.of(d, t.shape()));
        });
        copy.loadWeights(w);
        return copy;
    }

    /**
     * {@code m} with every weight rounded to the nearest multiple of {@code step}, what a symmetric
     * quantizer with that scale does, so the copy differs from {@code m} by at most step / 2 per weight.
     */
    static SequenceClassifier rounded(SequenceClassifier m, float step) {
        SequenceClassifier copy = SequenceClassifier.create(m.config(), 0);
        Map<String, Tensor> w = new LinkedHashMap<>();
        m.weights().forEach((name, t) -> {
            float[] d = t.data().clone();
            for (int i = 0; i < d.length; i++) {
                d[i] = Math.round(d[i] / step) * step;
            }
            w.put(name, Tensor.of(d, t.shape()));
        });
        copy.loadWeights(w);
        return copy;
    }

    /** Normalised texts of {@link TinyTeacher#urls} rows of one class, as the tiny teacher sees them. */
    static List<String> urls(Path dir, int rows, long seed, String label) throws IOException {
        Path file = TinyTeacher.urls(dir.resolve("urls-" + seed + ".csv"), rows, seed);
        Dataset d = Dataset.load(file, ReadOptions.defaults().withTransform(TextTransform.URL_NORMALIZE));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            if (d.labelMap().name(d.label(i)).equals(label)) {
                out.add(d.text(i));
            }
        }
        return out;
    }
}
